// Drives the server's web page in headless Chromium over the DevTools protocol: picks an image
// in the file input, waits for the top-5 and the heat map, checks the labels against the
// server's own /predictions answer, and saves a screenshot.
// usage: node --experimental-websocket page.mjs DEVTOOLS_PORT SERVER_URL IMAGE SCREENSHOT.png
import { readFileSync, writeFileSync } from "node:fs";

const [devtools, server, image, shot] = process.argv.slice(2);
const targets = await (await fetch(`http://127.0.0.1:${devtools}/json/list`)).json();
const ws = new WebSocket(targets.find(t => t.type === "page").webSocketDebuggerUrl);
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let next = 0;
const waiting = new Map();
ws.onmessage = m => {
  const msg = JSON.parse(m.data);
  if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
};
function send(method, params = {}) {
  const id = ++next;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((ok, fail) => waiting.set(id, m => m.error ? fail(new Error(method + ": " + m.error.message)) : ok(m.result)));
}
async function value(expression) {
  return (await send("Runtime.evaluate", { expression, returnByValue: true })).result.value;
}
async function until(expression, what, seconds = 60) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await value(expression)) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error("timed out waiting for " + what);
}

await send("Page.enable");
await send("Emulation.setDeviceMetricsOverride", { width: 900, height: 560, deviceScaleFactor: 1, mobile: false });
await send("Page.navigate", { url: server + "/" });
await until("document.getElementById('model') && document.getElementById('model').options.length > 0", "the model list");
const doc = await send("DOM.getDocument");
const input = await send("DOM.querySelector", { nodeId: doc.root.nodeId, selector: "#file" });
await send("DOM.setFileInputFiles", { nodeId: input.nodeId, files: [image] });
await until("document.body.dataset.done === '1' || document.getElementById('error').textContent !== ''", "the answer");
const error = await value("document.getElementById('error').textContent");
if (error) throw new Error("the page shows an error: " + error);
const shown = await value("[...document.querySelectorAll('#top tr')].map(r => r.cells[0].textContent)");
const model = await value("document.getElementById('model').value");
const direct = await (await fetch(`${server}/predictions/${model}?topk=5`, { method: "POST", body: readFileSync(image),
  headers: { "Content-Type": "application/octet-stream" } })).json();
const want = direct.map(p => p.label);
if (JSON.stringify(shown) !== JSON.stringify(want)) throw new Error(`page shows ${shown}, the server says ${want}`);
const painted = await value(`(() => { const c = document.getElementById('view'), d = c.getContext('2d')
    .getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] || d[i+1] || d[i+2]) n++;
    return [c.width, c.height, n]; })()`);
if (painted[2] < painted[0] * painted[1] / 2) throw new Error("the heat-map canvas is mostly empty: " + painted);
const png = await send("Page.captureScreenshot", { format: "png" });
writeFileSync(shot, Buffer.from(png.data, "base64"));
console.log(`page OK: top-5 ${JSON.stringify(shown)} as the server answers; heat map ${painted[0]}x${painted[1]}; screenshot ${shot}`);
ws.close();
process.exit(0);
