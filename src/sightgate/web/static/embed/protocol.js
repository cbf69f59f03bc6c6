// The message protocol of amazon-quicksight-embedding-sdk 2.x, as its sources define it
// (docs/embedding.md; the SDK's common/events and experiences/*).
//
// SDK -> page: every command goes to the control frame, an object
//   {eventName, message, eventTarget, eventId, timestamp, version}.
// page -> SDK: posted to the SDK's window (our parent):
//   events {eventName, eventTarget, message} routed by the identifier of eventTarget,
//   replies {eventId, message} matched by eventId (never with an eventTarget, or the SDK
//   would also treat them as events).

export const READY = "sightgate:experience-ready";
export const CONTROL_READY = "sightgate:control-ready";

/** The SDK's window's origin, from the punyCodeEmbedOrigin it adds to every URL:
 * punycode of `${origin}/`, which for an (always ASCII) origin is `${origin}/-`.
 * Checked against the browser's own idea of our ancestor where it has one. */
export function embedOrigin(query) {
  const encoded = query.get("punyCodeEmbedOrigin") || "";
  const origin = encoded.endsWith("/-") ? encoded.slice(0, -2) : "";
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0) {
    return origin === "" || origin === ancestors[0] ? ancestors[0] : null;
  }
  return origin || null;
}

/** BaseExperience.getExperienceIdentifier: the parts that are set, joined with "-"
 * (a discriminator of 0 drops out, as in the SDK). */
export function experienceId(target) {
  const parts =
    target.experienceType === "VISUAL"
      ? [target.contextId, target.experienceType, target.dashboardId, target.sheetId, target.visualId]
      : target.experienceType === "DASHBOARD"
        ? [target.contextId, target.experienceType, target.dashboardId]
        : [target.contextId, target.experienceType];
  return [...parts, target.discriminator].filter(Boolean).join("-");
}

/** The control frame of a context: the SDK names it `${contextId}-CONTROL`. */
export function controlFrameName(contextId) {
  return [contextId, "CONTROL", 0].filter(Boolean).join("-");
}

export function reply(target, origin, eventId, message) {
  if (origin) target.postMessage({ eventId, message }, origin);
}

/** The experience side: posts events to the SDK, takes commands from the control frame
 * of its context only, and answers each by eventId. */
export class ExperienceChannel {
  constructor(target, handlers) {
    const query = new URLSearchParams(location.search);
    this.origin = embedOrigin(query);
    this.target = { ...target, contextId: query.get("contextId") || "" };
    const discriminator = Number(query.get("discriminator") || 0);
    if (discriminator) this.target.discriminator = discriminator;
    this.id = experienceId(this.target);
    this.handlers = handlers;
    this.control = null;
    window.addEventListener("message", (event) => this.receive(event));
  }

  get embedded() {
    return window.parent !== window && this.origin !== null;
  }

  /** Say to the control frame that commands for this experience can come. */
  announce() {
    if (!this.embedded) return;
    const frame = this.findControl();
    if (frame) {
      frame.postMessage(
        { type: READY, contextId: this.target.contextId, experienceId: this.id },
        location.origin,
      );
    }
  }

  findControl() {
    try {
      return window.parent.frames[controlFrameName(this.target.contextId)] || null;
    } catch {
      return null;
    }
  }

  post(eventName, message) {
    if (!this.embedded) return;
    const event = { eventName, eventTarget: this.target };
    if (message !== undefined) event.message = message;
    window.parent.postMessage(event, this.origin);
  }

  async receive(event) {
    if (event.origin !== location.origin) return;
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === CONTROL_READY && data.contextId === this.target.contextId) {
      this.announce();
      return;
    }
    if (typeof data.eventName !== "string" || typeof data.eventId !== "string") return;
    if (event.source !== this.findControl()) return;
    if (!data.eventTarget || experienceId(data.eventTarget) !== this.id) return;
    const handler = this.handlers[data.eventName];
    let message;
    if (!handler) {
      message = {
        success: false,
        errorCode: "UNSUPPORTED_COMMAND",
        error: `${data.eventName} is not supported by this sightgate viewer`,
      };
    } else {
      try {
        message = await handler(data.message);
      } catch (error) {
        message = {
          success: false,
          errorCode: error.code || "COMMAND_FAILED",
          error: String(error.message || error),
        };
      }
    }
    reply(window.parent, this.origin, data.eventId, message === undefined ? { success: true } : message);
  }
}
