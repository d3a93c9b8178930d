// Drives `rxagent serve` with the official JS client, `Client` from `@langchain/langgraph-sdk`,
// the way an app (or `useStream`) does, and prints what the client hands to user code.
//
//   node langgraph_sdk_client.mjs <base url> <scenario> [<input as JSON>]
//
// Every line on stdout is one JSON object with a `step`: a stream part as the client yields it
// (`{"step", "event", "data", "id"}`), or a value it returned (`{"step", "value"}`). When a
// scenario needs the test to release the gated agent it prints `{"step": "wait", "value":
// "gate"}` and reads one line (`go`) from stdin. Scenarios (tests/integrations/web/server/
// test_js_sdk.py reads them):
//
//   modes      a thread; `runs.stream` in each of `updates`, `messages-tuple`, `custom`,
//              `values` (a thread each; steps `stream:<mode>`), then all four at once
//              (`stream:all`)
//   stateless  `runs.stream(null, ...)` (`stream`)
//   replay     a run (`stream`, and `created`: what `onRunCreated` got from the
//              `Content-Location` header); `joinStream` of the finished run with
//              `lastEventId: "-1"` (`replay`: all of it again), the same as useStream rejoins
//              (`rejoin`: no stream modes, a `checkpointId`), and without (`tail`: nothing)
//   join       a gated run read up to the gate and dropped (`seen`); `joinStream` from the id
//              of the middle part (`missing`), started before the gate opens; `joinStream`
//              from "-1" once the run is over (`everything`)
//   cancel     a gated run read up to the gate (`seen`); `runs.cancel(..., wait=true)`; the
//              rest of its stream (`rest`); `runs.get` (`run`), `threads.get` (`thread`)
//   error      a failing stateless run (`stream`)
//   state      `threads.getState` / `getHistory` of a new thread (`thread`, `state:empty`,
//              `history:empty`), after one run (`stream:1`, `state:1`, `history:1`) and after
//              a second (`stream:2`, `state:2`, `history:2`)
import { createInterface } from "node:readline";
import { Client } from "@langchain/langgraph-sdk";

const [url, scenario, inputJson] = process.argv.slice(2);
if (!url || !scenario) {
  process.stderr.write("usage: node langgraph_sdk_client.mjs <base url> <scenario> [<input>]\n");
  process.exit(2);
}
const input = JSON.parse(inputJson ?? '{"messages": [{"role": "user", "content": "Go"}]}');
const client = new Client({ apiUrl: url, apiKey: null });
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function emit(step, fields) {
  process.stdout.write(`${JSON.stringify({ step, ...fields })}\n`);
}

function emitPart(step, part) {
  emit(step, { event: part.event, data: part.data, id: part.id });
}

async function collect(step, parts) {
  const all = [];
  for await (const part of parts) {
    emitPart(step, part);
    all.push(part);
  }
  return all;
}

async function waitForTest(what) {
  emit("wait", { value: what });
  const { value, done } = await stdin.next();
  if (done || value.trim() !== "go") throw new Error(`the test did not answer 'go' to ${what}`);
}

async function newThread() {
  return (await client.threads.create()).thread_id;
}

/** A gated run's stream, read up to the gate's `waiting` progress event and left open. */
async function untilGate(threadId, streamMode, signal) {
  const stream = client.runs.stream(threadId, "gated", { input, streamMode, signal });
  const seen = [];
  while (true) {
    const { value: part, done } = await stream.next(); // `for await` would close it on break
    if (done) throw new Error("the gated run ended before its gate");
    emitPart("seen", part);
    seen.push(part);
    if (part.event === "custom" && part.data.progress === "waiting") return { seen, stream };
  }
}

const scenarios = {
  async modes() {
    for (const mode of ["updates", "messages-tuple", "custom", "values"]) {
      const threadId = await newThread();
      await collect(
        `stream:${mode}`,
        client.runs.stream(threadId, "agent", { input, streamMode: [mode] }),
      );
    }
    const streamMode = ["updates", "messages-tuple", "custom", "values"];
    const threadId = await newThread();
    await collect("stream:all", client.runs.stream(threadId, "agent", { input, streamMode }));
  },

  async stateless() {
    await collect("stream", client.runs.stream(null, "agent", { input, streamMode: ["updates"] }));
  },

  async replay() {
    const streamMode = ["updates", "messages-tuple", "custom"];
    const threadId = await newThread();
    const parts = await collect(
      "stream",
      client.runs.stream(threadId, "agent", {
        input,
        streamMode,
        onRunCreated: (created) => emit("created", { value: created }),
      }),
    );
    const runId = parts[0].data.run_id;
    await collect(
      "replay",
      client.runs.joinStream(threadId, runId, { lastEventId: "-1", streamMode }),
    );
    // as useStream's reconnectOnMount rejoins: "-1", the head's checkpoint id, no stream modes
    const checkpointId = (await client.threads.getState(threadId)).checkpoint?.checkpoint_id;
    await collect(
      "rejoin",
      client.runs.joinStream(threadId, runId, { lastEventId: "-1", checkpointId }),
    );
    await collect("tail", client.runs.joinStream(threadId, runId, { streamMode }));
  },

  async join() {
    const streamMode = ["custom", "updates", "messages-tuple"];
    const threadId = await newThread();
    const dropped = new AbortController();
    const { seen, stream } = await untilGate(threadId, streamMode, dropped.signal);
    dropped.abort(); // the client goes away; the run goes on (on_disconnect: continue)
    await stream.return();
    const runId = seen[0].data.run_id;
    const cut = Math.floor(seen.length / 2);
    const joined = client.runs.joinStream(threadId, runId, {
      lastEventId: seen[cut - 1].id,
      streamMode,
    });
    const first = await joined.next(); // the join is being served: now let the run go on
    emitPart("missing", first.value);
    await waitForTest("gate");
    await collect("missing", joined);
    await collect(
      "everything",
      client.runs.joinStream(threadId, runId, { lastEventId: "-1", streamMode }),
    );
  },

  async cancel() {
    const threadId = await newThread();
    const { seen, stream } = await untilGate(threadId, ["custom"]);
    const runId = seen[0].data.run_id;
    const rest = collect("rest", stream);
    await client.runs.cancel(threadId, runId, true);
    await rest;
    emit("run", { value: await client.runs.get(threadId, runId) });
    emit("thread", { value: await client.threads.get(threadId) });
  },

  async error() {
    await collect("stream", client.runs.stream(null, "failing", { input, streamMode: ["values"] }));
  },

  async state() {
    const threadId = await newThread();
    emit("thread", { value: threadId });
    emit("state:empty", { value: await client.threads.getState(threadId) });
    emit("history:empty", { value: await client.threads.getHistory(threadId) });
    for (const round of [1, 2]) {
      await collect(
        `stream:${round}`,
        client.runs.stream(threadId, "agent", { input, streamMode: ["values"] }),
      );
      emit(`state:${round}`, { value: await client.threads.getState(threadId) });
      emit(`history:${round}`, { value: await client.threads.getHistory(threadId) });
    }
  },
};

const run = scenarios[scenario];
if (run === undefined) {
  process.stderr.write(`no scenario ${scenario}: choose from ${Object.keys(scenarios)}\n`);
  process.exit(2);
}
await run();
process.exit(0);
