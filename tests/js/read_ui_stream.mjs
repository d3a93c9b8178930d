// Reads an AI SDK UI message stream (SSE text) on stdin and runs it through the real client
// code of the `ai` package: `parseJsonEventStream` with `uiMessageChunkSchema` (what
// `DefaultChatTransport` does with a response body), then `readUIMessageStream` (the
// `processUIMessageStream` state machine `useChat` runs). Prints one JSON object:
// {"message": <the last UIMessage>, "invalid": [<chunks the schema rejected>],
//  "errors": [<errors the client raised>], "chunks": <count>}.
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from "ai";

const input = await new Promise((resolve, reject) => {
  const parts = [];
  process.stdin.on("data", (part) => parts.push(part));
  process.stdin.on("end", () => resolve(Buffer.concat(parts)));
  process.stdin.on("error", reject);
});

const bytes = new ReadableStream({
  start(controller) {
    controller.enqueue(new Uint8Array(input));
    controller.close();
  },
});

const invalid = [];
const errors = [];
let count = 0;
const chunks = parseJsonEventStream({ stream: bytes, schema: uiMessageChunkSchema }).pipeThrough(
  new TransformStream({
    transform(result, controller) {
      count += 1;
      if (result.success) {
        controller.enqueue(result.value);
      } else {
        invalid.push({ raw: result.rawValue, error: String(result.error) });
      }
    },
  }),
);

let message = null;
for await (const snapshot of readUIMessageStream({
  stream: chunks,
  onError: (error) => errors.push(String(error?.message ?? error)),
})) {
  message = snapshot;
}
process.stdout.write(JSON.stringify({ message, invalid, errors, chunks: count }));
