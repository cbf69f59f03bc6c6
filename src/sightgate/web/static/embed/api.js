// The embed data API of one session: JSON over fetch, the session secret in the
// Authorization header (never a cookie: a third-party frame's cookies are blocked by
// many browsers, and a cookie would ride along with requests the page did not make).

export class SessionError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class EmbedApi {
  constructor(sessionId, secret) {
    this.base = `/embed/${encodeURIComponent(sessionId)}/api`;
    this.headers = { Authorization: `Bearer ${secret}` };
  }

  async call(method, path, body) {
    const init = { method, headers: { ...this.headers }, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.base + path, init);
    } catch {
      throw new SessionError("NetworkError", "sightgate could not be reached");
    }
    const document = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new SessionError(document.errorCode || `HTTP${response.status}`, document.message || "");
    }
    return document;
  }

  dashboard(dashboardId) {
    return this.call("GET", `/dashboards/${encodeURIComponent(dashboardId)}`);
  }

  sheet(dashboardId, sheetId, parameters, selections) {
    return this.call(
      "POST",
      `/dashboards/${encodeURIComponent(dashboardId)}/sheets/${encodeURIComponent(sheetId)}`,
      { parameters, selections },
    );
  }

  theme(themeArn) {
    return this.call("POST", "/theme", { ThemeArn: themeArn });
  }

  /** Server-sent events of the session showing `dashboardId`, read with fetch
   * (EventSource cannot send an Authorization header). Calls onEvent(name, data) for
   * each; resolves when the stream ends. */
  async events(onEvent, signal, dashboardId) {
    const query = dashboardId ? `?dashboardId=${encodeURIComponent(dashboardId)}` : "";
    const response = await fetch(`${this.base}/events${query}`, {
      headers: { ...this.headers, Accept: "text/event-stream" },
      cache: "no-store",
      credentials: "omit",
      signal,
    });
    if (!response.ok || !response.body) {
      const document = await response.json().catch(() => ({}));
      onEvent("revoked", { errorCode: document.errorCode || "Unauthorized" });
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trim());
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }
}
