// The control frame of amazon-quicksight-embedding-sdk: /embed/<session>/embedControl.
//
// The SDK posts every command (SET_PARAMETERS, GET_SHEETS, ...) to this hidden frame,
// never to the visible experience frames. This page relays each command, unchanged, to
// the experience frame it targets; that frame answers the SDK itself, by eventId.
// An experience frame announces itself with a "ready" message from our own origin; the
// frame it came from (event.source) is where its commands go. Commands that arrive
// before their frame is ready are queued, and answered with an error just before the
// SDK's own 5 s timeout if the frame never comes, so a call never hangs unexplained.
// Nothing here reads or holds dashboard data.

import { embedOrigin, experienceId, READY, CONTROL_READY, reply } from "./protocol.js";

const query = new URLSearchParams(location.search);
const contextId = query.get("contextId") || "";
const sdkOrigin = embedOrigin(query);
const UNANSWERED_MS = 4500;

/** experience id -> its window, once it said it is ready */
const frames = new Map();
/** experience id -> commands waiting for it */
const waiting = new Map();

function relay(id, command) {
  frames.get(id).postMessage(command, location.origin);
}

function queue(id, command) {
  const list = waiting.get(id) || [];
  list.push(command);
  waiting.set(id, list);
  setTimeout(() => {
    const still = waiting.get(id);
    if (!still || !still.includes(command)) return;
    still.splice(still.indexOf(command), 1);
    reply(window.parent, sdkOrigin, command.eventId, {
      success: false,
      errorCode: "EXPERIENCE_NOT_FOUND",
      error: `no embedded experience ${id} is loaded in this context`,
    });
  }, UNANSWERED_MS);
}

function fromSdk(event) {
  if (sdkOrigin && event.origin !== sdkOrigin) return;
  const command = event.data;
  if (!command || typeof command !== "object" || typeof command.eventName !== "string") return;
  if (command.eventName === "ACKNOWLEDGE" || !command.eventTarget) return;
  const id = experienceId(command.eventTarget);
  if (frames.has(id)) relay(id, command);
  else queue(id, command);
}

function fromExperience(event) {
  const data = event.data;
  if (!data || data.type !== READY || data.contextId !== contextId || !event.source) return;
  frames.set(data.experienceId, event.source);
  for (const command of waiting.get(data.experienceId) || []) relay(data.experienceId, command);
  waiting.delete(data.experienceId);
}

window.addEventListener("message", (event) => {
  if (event.source === window.parent) fromSdk(event);
  else if (event.origin === location.origin) fromExperience(event);
});

// An experience frame that loaded before this one announced itself to nobody: ask every
// frame of the page (only our own origin's receive it) to announce itself again.
for (let index = 0; index < window.parent.frames.length; index += 1) {
  window.parent.frames[index].postMessage({ type: CONTROL_READY, contextId }, location.origin);
}
