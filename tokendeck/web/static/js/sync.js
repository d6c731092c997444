// The Sync button of the single-user app: sync this collection with its server.
import { announce, api } from "./api.js";

const button = document.getElementById("sync-button");
const status = document.getElementById("sync-status");

function describe(state) {
  if (!state.logged_in) return "Not logged in (tokendeck login URL --user NAME)";
  const when = state.last_sync ? new Date(state.last_sync).toLocaleString() : "never";
  return `${state.pending ? "Changes to send · " : ""}last synced ${when}`;
}

async function refresh() {
  try {
    status.textContent = describe(await api("/sync/status"));
  } catch (error) {
    status.textContent = error.message;
  }
}

async function sync() {
  button.disabled = true;
  status.textContent = "Syncing…";
  try {
    const done = await api("/sync/run", { method: "POST" });
    const sent = Object.values(done.pushed).reduce((a, b) => a + b, 0);
    const received = Object.values(done.pulled).reduce((a, b) => a + b, 0);
    const text = `Synced: sent ${sent}, received ${received}`;
    status.textContent = text;
    announce(text);
    if (received) document.dispatchEvent(new CustomEvent("tokendeck:synced", { detail: done }));
  } catch (error) {
    status.textContent = `Sync failed: ${error.message}`;
    announce(`Sync failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

if (button) {
  button.addEventListener("click", sync);
  refresh();
}
