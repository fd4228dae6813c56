// responses.mjs: Nexus end-to-end checks of POST /v1/responses (SPEC §13)
// with the official OpenAI Node SDK: client.responses.create and
// client.responses.stream on every backend kind.
//
//   NEXUS_URL=http://127.0.0.1:8000 NEXUS_CLIENT_KEY=... NEXUS_E2E_NATIVE='{...}' node responses.mjs
//
// Expects the backends that e2e_sdk_test.go sets up: llama-e2e on a local
// OpenAI-compatible server ("local"), claude-e2e on Anthropic ("claude"),
// gemini-e2e on Gemini ("gemini") — all three translated through the hub —
// and gpt-e2e on an OpenAI backend that serves the Responses API itself
// ("native", passed through). NEXUS_E2E_NATIVE holds exactly what that
// backend sends (e2e_responses_test.go). The mock models call get_weather
// when offered tools and answer "tool <call id> said <output>" once its
// output comes back (e2e_tools_test.go).

import OpenAI from 'openai';
import { assert, check, env, expectError, finish, weather } from './lib.mjs';

const baseURL = env('NEXUS_URL') + '/v1';
const apiKey = env('NEXUS_CLIENT_KEY');
const native = JSON.parse(env('NEXUS_E2E_NATIVE'));

// Retries off: every answer checked is the first one Nexus gave.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

const weatherTool = { type: 'function', ...weather, strict: false };

// Each translated backend: its text answers, their usage, and the
// get_weather call it makes. The local mock's plain stream reports no usage
// (as servers that ignore stream_options do), and Nexus invents none.
const translated = [
  {
    model: 'llama-e2e', backend: 'local', type: 'local', text: 'local says: ping', stream: 'Hello, world!',
    usage: [12, 4, 16], streamUsage: null, args: { location: 'Paris', unit: 'celsius' },
  },
  {
    model: 'claude-e2e', backend: 'claude', type: 'cloud', text: 'Claude answers', stream: 'Claude streams',
    usage: [10, 2, 12], streamUsage: [472, 3, 475], args: { location: 'San Francisco, CA', unit: 'fahrenheit' },
  },
  {
    model: 'gemini-e2e', backend: 'gemini', type: 'cloud', text: 'Gemini answers', stream: 'Gemini streams text',
    usage: [7, 2, 9], streamUsage: [7, 3, 10], args: { location: 'Tokyo', unit: 'celsius' },
  },
];

// usageOf is [input, output, total] of a response.
const usageOf = (r) => [r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens];

// textOf is the text of a response's messages (what the SDK's output_text
// is; responses.stream's finalResponse() does not set output_text).
const textOf = (r) =>
  r.output
    .filter((o) => o.type === 'message')
    .flatMap((o) => o.content.filter((c) => c.type === 'output_text').map((c) => c.text))
    .join('');

// unparsed drops the fields the SDK's stream helper adds to a final response.
const sdkAdded = new Set(['output_parsed', 'parsed', 'parsed_arguments']);
const unparsed = (r) => JSON.parse(JSON.stringify(r, (k, v) => (sdkAdded.has(k) ? undefined : v)));

// collect records a stream's events as they arrived (the SDK's stream
// helper goes on to modify the objects it emitted).
const collect = (stream, events) => stream.on('event', (ev) => events.push(structuredClone(ev)));

// streamed runs responses.stream and returns the final response, the events
// in order, and the text deltas.
async function streamed(params) {
  const stream = client.responses.stream(params);
  const events = [];
  let deltas = '';
  let argDeltas = 0;
  collect(stream, events);
  stream.on('response.output_text.delta', (ev) => (deltas += ev.delta));
  stream.on('response.function_call_arguments.delta', () => argDeltas++);
  const response = await stream.finalResponse();
  return { response, events, deltas, argDeltas };
}

// checkSequence asserts the frame every Responses stream has.
function checkSequence(events) {
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  assert.equal(types.at(-1), 'response.completed');
  events.forEach((e, i) => assert.equal(e.sequence_number, i, `sequence_number of ${e.type}`));
  const added = types.filter((t) => t === 'response.output_item.added').length;
  const done = types.filter((t) => t === 'response.output_item.done').length;
  assert.ok(added > 0 && added === done, `every output item added is done (${added}/${done})`);
}

for (const b of translated) {
  await check(`responses.create non-streaming (${b.backend}, translated)`, async () => {
    const { data, response } = await client.responses
      .create({ model: b.model, input: 'ping', instructions: 'You are terse.', max_output_tokens: 64 })
      .withResponse();
    assert.equal(data.object, 'response');
    assert.match(data.id, /^resp_/);
    assert.equal(data.status, 'completed');
    assert.equal(data.output_text, b.text);
    assert.equal(data.output.length, 1);
    assert.equal(data.output[0].type, 'message');
    assert.equal(data.output[0].role, 'assistant');
    assert.match(data.output[0].id, /^msg_/);
    assert.equal(data.instructions, 'You are terse.', 'the request settings are echoed');
    assert.equal(data.store, false);
    assert.deepEqual(usageOf(data), b.usage);
    const h = response.headers;
    assert.equal(h.get('x-nexus-backend'), b.backend);
    assert.equal(h.get('x-nexus-backend-type'), b.type);
    assert.ok(h.get('x-request-id'), 'X-Request-Id is echoed');
    assert.equal(h.get('x-nexus-tools-dropped'), null, 'no tool was dropped');
    return `output_text=${JSON.stringify(data.output_text)} usage=${JSON.stringify(usageOf(data))}`;
  });

  await check(`responses.stream text deltas and finalResponse (${b.backend})`, async () => {
    const { response, events, deltas } = await streamed({ model: b.model, input: 'stream please', max_output_tokens: 64 });
    checkSequence(events);
    assert.equal(deltas, b.stream);
    assert.equal(textOf(response), b.stream);
    assert.equal(response.status, 'completed');
    assert.deepEqual(response.usage && usageOf(response), b.streamUsage, 'usage of response.completed');
    const textDone = events.find((e) => e.type === 'response.output_text.done');
    assert.equal(textDone?.text, b.stream);
    return `${events.length} events, text=${JSON.stringify(deltas)}`;
  });

  for (const stream of [false, true]) {
    await check(`function call round trip (${b.backend}, ${stream ? 'streaming' : 'non-streaming'})`, async () => {
      const input = [{ role: 'user', content: 'What is the weather?' }];
      const ask = async (input) => {
        const params = { model: b.model, input, tools: [weatherTool], max_output_tokens: 256 };
        if (!stream) return { response: await client.responses.create(params), argDeltas: 0 };
        const s = await streamed(params);
        checkSequence(s.events);
        return s;
      };
      const first = await ask(input);
      const calls = first.response.output.filter((o) => o.type === 'function_call');
      assert.equal(calls.length, 1, `one function_call item: ${JSON.stringify(first.response.output)}`);
      const call = calls[0];
      assert.equal(call.name, 'get_weather');
      assert.match(call.id, /^fc_/);
      assert.ok(call.call_id, 'the call has a call_id');
      assert.deepEqual(JSON.parse(call.arguments), b.args);
      if (stream) assert.ok(first.argDeltas >= 1, 'arguments arrived as function_call_arguments.delta');

      // The whole conversation goes back: Nexus keeps no state.
      const second = await ask([
        ...input,
        ...first.response.output,
        { type: 'function_call_output', call_id: call.call_id, output: '18C and sunny' },
      ]);
      const id = b.backend === 'gemini' ? 'get_weather' : call.call_id; // Gemini names results by function
      assert.equal(textOf(second.response), `tool ${id} said 18C and sunny`);
      assert.equal(second.response.status, 'completed');
      return `get_weather(${call.arguments}) -> ${JSON.stringify(textOf(second.response))}`;
    });
  }
}

// The client-executed tool kinds (SPEC §13): offered to the backend as
// function tools, their calls come back as the item type the client
// offered, and their outputs reach the backend as tool results. The mock
// runs its marker command through a shell tool and adds hello.txt through
// a patch tool (e2e_tools_test.go).
const command = 'echo nexus-codex-ok > marker.txt && cat marker.txt';
const clientKinds = [
  {
    tool: {
      type: 'custom', name: 'apply_patch', description: 'Apply a patch to the workspace',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: /(.|\\n)+/' },
    },
    item: 'custom_tool_call',
    check: (c) => {
      assert.equal(c.name, 'apply_patch');
      assert.equal(c.input, '*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n');
    },
    output: (c) => ({ type: 'custom_tool_call_output', call_id: c.call_id, output: 'Done!' }),
  },
  {
    tool: { type: 'local_shell' },
    item: 'local_shell_call',
    check: (c) => assert.deepEqual([c.action.type, c.action.command], ['exec', ['bash', '-lc', command]]),
    output: (c) => ({ type: 'local_shell_call_output', id: c.call_id, output: 'Done!' }),
  },
  {
    tool: { type: 'shell' },
    item: 'shell_call',
    check: (c) => assert.deepEqual(c.action.commands, [command]),
    output: (c) => ({
      type: 'shell_call_output', call_id: c.call_id,
      output: [{ stdout: 'Done!', stderr: '', outcome: { type: 'exit', exit_code: 0 } }],
    }),
  },
  {
    tool: { type: 'apply_patch' },
    item: 'apply_patch_call',
    check: (c) => assert.deepEqual(c.operation, { type: 'create_file', path: 'hello.txt', diff: '+hello\n' }),
    output: (c) => ({ type: 'apply_patch_call_output', call_id: c.call_id, status: 'completed', output: 'Done!' }),
  },
];

for (const k of clientKinds) {
  for (const stream of [false, true]) {
    await check(`${k.tool.type} tool round trip as ${k.item} items (local, ${stream ? 'streaming' : 'non-streaming'})`, async () => {
      let added = null;
      const ask = async (input) => {
        const params = { model: 'llama-e2e', input, tools: [k.tool] };
        if (!stream) return client.responses.create(params);
        const s = await streamed(params);
        checkSequence(s.events);
        added ??= s.events.find((e) => e.type === 'response.output_item.added' && e.item.type === k.item);
        return s.response;
      };
      const input = [{ role: 'user', content: 'Do the task.' }];
      const first = await ask(input);
      assert.deepEqual(first.output.map((o) => o.type), ['reasoning', 'message', k.item]);
      assert.equal(first.output[0].summary[0].text, 'The user wants the marker file written.');
      assert.equal(textOf(first), 'Running the command.');
      const call = first.output[2];
      assert.ok(call.call_id, 'the call has a call_id');
      k.check(call);
      if (stream) assert.equal(added?.item.call_id, call.call_id, `output_item.added announces the ${k.item}`);
      const second = await ask([...input, ...first.output, k.output(call)]);
      const answer = textOf(second);
      assert.ok(answer.startsWith(`tool ${call.call_id} said `) && answer.includes('Done!'), `answer: ${answer}`);
      return `${k.item} ${call.call_id} -> ${JSON.stringify(answer)}`;
    });
  }
}

await check('responses.create({stream: true}) async iteration (local)', async () => {
  const { data: stream, response } = await client.responses
    .create({ model: 'llama-e2e', input: 'stream please', stream: true })
    .withResponse();
  assert.equal(response.headers.get('x-nexus-backend'), 'local');
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const events = [];
  for await (const ev of stream) events.push(ev);
  checkSequence(events);
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(text, 'Hello, world!');
  const done = events.at(-1).response;
  assert.equal(done.output[0].content[0].text, 'Hello, world!');
  return `${events.length} events: ${[...new Set(events.map((e) => e.type))].join(' ')}`;
});

await check('tools inside a namespace are offered and their calls name it', async () => {
  const data = await client.responses.create({
    model: 'llama-e2e',
    input: 'What is the weather?',
    tools: [{ type: 'namespace', name: 'weather_ns', description: 'Weather tools', tools: [weatherTool] }],
  });
  const call = data.output.find((o) => o.type === 'function_call');
  assert.ok(call, `a function_call item: ${JSON.stringify(data.output)}`);
  assert.equal(call.name, 'get_weather');
  assert.equal(call.namespace, 'weather_ns');
  return `${call.namespace}.${call.name}(${call.arguments})`;
});

// spyClient records the raw bytes of every answer body.
function spyClient() {
  const bodies = [];
  const c = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      bodies.push(res.clone().text());
      return res;
    },
  });
  return { c, bodies };
}

await check('native passthrough non-streaming: the SDK gets exactly what the backend sent', async () => {
  const { c, bodies } = spyClient();
  const { data, response } = await c.responses.create({ model: 'gpt-e2e', input: 'ping' }).withResponse();
  assert.equal(await bodies[0], native.response, 'body bytes unchanged');
  const { output_text, ...rest } = data; // output_text is the SDK's own convenience field
  assert.deepEqual(rest, JSON.parse(native.response));
  assert.equal(output_text, 'Native passthrough works.');
  const h = response.headers;
  assert.equal(h.get('x-nexus-backend'), 'native');
  assert.equal(h.get('x-nexus-backend-type'), 'cloud');
  // (1100 * $2 + 1000 cached * $0.5 + 500 * $8) per million tokens
  assert.equal(h.get('x-nexus-cost-estimated'), '0.0067');
  return `model=${data.model} cost=${h.get('x-nexus-cost-estimated')}`;
});

await check('native passthrough streaming: every event as the backend sent it', async () => {
  const { c, bodies } = spyClient();
  const stream = c.responses.stream({ model: 'gpt-e2e', input: 'stream please' });
  const events = [];
  collect(stream, events);
  const final = await stream.finalResponse();
  assert.deepEqual(events, native.events.map((e) => JSON.parse(e)));
  assert.equal(await bodies[0], native.stream, 'stream bytes unchanged');
  assert.deepEqual(unparsed(final), JSON.parse(native.events.at(-1)).response);
  assert.equal(textOf(final), 'Native stream works.');
  return `${events.length} events, text=${JSON.stringify(textOf(final))}`;
});

await check('previous_response_id on a translated backend raises 400 previous_response_not_found', async () => {
  const err = await expectError(
    () => client.responses.create({ model: 'claude-e2e', input: 'and then?', previous_response_id: 'resp_earlier' }),
    OpenAI.BadRequestError,
  );
  assert.equal(err.status, 400);
  assert.equal(err.code, 'previous_response_not_found');
  assert.equal(err.param, 'previous_response_id');
  assert.equal(err.type, 'invalid_request_error');
  assert.match(err.message, /whole conversation/);
  return err.message;
});

await check('a hosted web_search tool is dropped and named in X-Nexus-Tools-Dropped', async () => {
  const { data, response } = await client.responses
    .create({ model: 'llama-e2e', input: 'search', tools: [{ type: 'web_search' }] })
    .withResponse();
  assert.equal(data.output_text, 'local says: search');
  assert.equal(response.headers.get('x-nexus-tools-dropped'), 'web_search');
  const { data: stream, response: sr } = await client.responses
    .create({ model: 'gemini-e2e', input: 'search', tools: [{ type: 'web_search' }, weatherTool], stream: true })
    .withResponse();
  assert.equal(sr.headers.get('x-nexus-tools-dropped'), 'web_search');
  const calls = [];
  for await (const ev of stream) if (ev.type === 'response.output_item.done') calls.push(ev.item);
  assert.deepEqual(calls.map((c) => c.name), ['get_weather'], 'the function tool is still offered');
  return `header=${response.headers.get('x-nexus-tools-dropped')}`;
});

finish('responses.mjs');
