// Drives piiprobe's CompletionsServer (serving the test's toy model: bytes are tokens, and after a
// letter the next letter of the alphabet is likely) with the official openai package.
// Usage: node openai-client.mjs BASE_URL. Prints "ok N" after N checks; exits 1 on the first failure.
import OpenAI from 'openai';
import assert from 'node:assert/strict';

const client = new OpenAI({ baseURL: process.argv[2], apiKey: 'unused', maxRetries: 0 });
let checks = 0;
const check = (name, fn) => fn().then(() => { checks++; }, (e) => { throw new Error(`${name}: ${e.message}`); });

await check('models.list', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.deepEqual(models, ['toy']);
  assert.equal((await client.models.retrieve('toy')).id, 'toy');
});

await check('text completion', async () => {
  const r = await client.completions.create({ model: 'toy', prompt: 'abc', max_tokens: 5, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, 'defgh');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.deepEqual(r.usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
});

await check('token ids, n and seed', async () => {
  const ask = () => client.completions.create({ model: 'toy', prompt: [[97], [98, 99]], n: 2, max_tokens: 6, temperature: 1.5, seed: 4 });
  const [a, b] = [await ask(), await ask()];
  assert.equal(a.choices.length, 4);
  assert.deepEqual(a.choices.map((c) => c.index), [0, 1, 2, 3]);
  assert.deepEqual(a.choices.map((c) => c.text), b.choices.map((c) => c.text));
});

await check('stop and end of text', async () => {
  const r = await client.completions.create({ model: 'toy', prompt: 'a', max_tokens: 20, temperature: 0, stop: ['fg'] });
  assert.equal(r.choices[0].text, 'bcde');
  assert.equal(r.choices[0].finish_reason, 'stop');
  const e = await client.completions.create({ model: 'toy', prompt: 'w', max_tokens: 20, temperature: 0 });
  assert.equal(e.choices[0].text, 'xyz');
  assert.equal(e.choices[0].finish_reason, 'stop');
});

await check('logprobs with echo', async () => {
  const r = await client.completions.create({ model: 'toy', prompt: 'abc', max_tokens: 1, temperature: 0, echo: true, logprobs: 3 });
  const lp = r.choices[0].logprobs;
  assert.equal(r.choices[0].text, 'abcd');
  assert.deepEqual(lp.tokens, ['a', 'b', 'c', 'd']);
  assert.equal(lp.token_logprobs[0], null);
  assert.ok(lp.token_logprobs.slice(1).every((x) => typeof x === 'number' && x < 0));
  assert.ok(lp.top_logprobs[3].d < 0 && Object.keys(lp.top_logprobs[3]).length >= 2, JSON.stringify(lp.top_logprobs)); // token texts may collide (two ids decode to U+FFFD)
  assert.deepEqual(lp.text_offset, [0, 1, 2, 3]);
});

await check('streaming', async () => {
  const stream = await client.completions.create({
    model: 'toy', prompt: 'abc', max_tokens: 5, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      text += c.text;
      finish = c.finish_reason ?? finish;
    }
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, 'defgh');
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 5);
});

await check('errors', async () => {
  await assert.rejects(client.completions.create({ model: 'toy', prompt: [97, 300] }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.equal(e.status, 400);
    assert.match(e.message, /prompt\[1\] is 300/);
    assert.equal(e.param, 'prompt');
    return true;
  });
  await assert.rejects(client.completions.create({ model: 'gpt-4', prompt: 'a' }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, e.constructor.name);
    return true;
  });
});

console.log(`ok ${checks}`);
