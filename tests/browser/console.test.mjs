// Real-browser tests of `wijkwacht console`: a real wijkwachtd with CURVE,
// fed posts by the loopback demo feed, two consoles with two staff keys
// (anna, bert), and Debian's Chromium driven by puppeteer-core.
//
//   WIJKWACHT_BUILD=build node --test tests/browser/console.test.mjs
//
// SCREENSHOTS=DIR also saves the main views there (docs/console/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { Setting, root } from './harness.mjs';

const shots = process.env.SCREENSHOTS ? resolve(process.env.SCREENSHOTS) : null;
const setting = new Setting();
const pages = {};
let consoles;
let daemon;

const rows = (page) => page.$$eval('#list > .alert', (list) => list.map((r) => r.dataset.id));
const rowState = (page, id) => page.$eval(`.alert[data-id="${id}"]`, (r) => `${r.dataset.state}/${r.dataset.owner}`);
const waitState = (page, id, state, timeout = 5000) => page.waitForFunction(
  (i, s) => { const r = document.querySelector(`.alert[data-id="${i}"]`); return r && `${r.dataset.state}/${r.dataset.owner}` === s; },
  { timeout }, id, state);

before(async () => {
  await setting.startDaemon({ staff: ['anna', 'bert'], posts: join(root, 'deploy/examples/demo-posts.jsonl') });
  daemon = setting.daemon;
  for (const name of ['anna', 'bert']) await setting.startConsole(name, ['all', 'centrum', 'recherche']);
  consoles = setting.consoles;
  await setting.launch();
  for (const name of ['anna', 'bert']) pages[name] = await setting.open(name);
});

after(() => setting.stop(process.exitCode));

test('a new alert appears in both consoles within a second of each other', async () => {
  const { anna, bert } = pages;
  const before = (await rows(anna)).length;
  await anna.waitForFunction((n) => document.querySelectorAll('#list > .alert').length > n, { timeout: 20000 }, before);
  const newest = (await rows(anna))[0];
  const seen = Date.now();
  await bert.waitForSelector(`.alert[data-id="${newest}"]`, { timeout: 1000 });
  assert.ok(Date.now() - seen < 1000);
  // The text is there with the matched words marked, on the right letters.
  const marks = await anna.$$eval(`.alert[data-id="${newest}"] .text mark`, (m) => m.map((x) => x.textContent));
  assert.ok(marks.length > 0);
  const text = await anna.$eval(`.alert[data-id="${newest}"] .text`, (t) => t.textContent);
  for (const mark of marks) assert.ok(text.includes(mark));
});

test('a claim in one console shows in the other, with who is on what', async () => {
  const { anna, bert } = pages;
  const id = (await rows(anna))[0];
  await anna.click(`.alert[data-id="${id}"] button[data-op="claim"]`);
  await waitState(bert, id, 'claimed/anna');
  await waitState(anna, id, 'claimed/anna');
  assert.match(await bert.$eval('#who', (w) => w.textContent), /anna: 1 claimed/);
  // bert cannot take it: the page says who has it.
  await bert.click(`.alert[data-id="${id}"] button[data-op="claim"]`);
  await bert.waitForFunction(() => !document.querySelector('#toast').hidden);
  assert.match(await bert.$eval('#toast', (t) => t.textContent), /claimed by anna/);
  assert.equal(await rowState(bert, id), 'claimed/anna');
});

test('keyboard triage: move, claim, acknowledge, note; never while typing; can be turned off', async () => {
  const { bert, anna } = pages;
  // Filters are kept in the URL.
  await bert.select('#f-state', 'new');
  assert.match(bert.url(), /state=new/);
  await bert.select('#f-state', '');
  assert.doesNotMatch(bert.url(), /state=/);
  await bert.evaluate(() => document.activeElement.blur());
  // j down to the first alert nobody holds.
  let id;
  for (let i = 0; i < 20 && !id; ++i) {
    await bert.keyboard.press('j');
    const [active, state] = await bert.$eval('.alert.active', (r) => [r.dataset.id, r.dataset.state]);
    if (state === 'new') id = active;
  }
  assert.ok(id, 'no new alert to triage');
  await bert.keyboard.press('c');
  await waitState(bert, id, 'claimed/bert');
  await bert.keyboard.press('a');
  await waitState(anna, id, 'acknowledged/bert');
  await bert.keyboard.press('n');
  await bert.waitForSelector('.alert.active textarea');
  await bert.keyboard.type('called the victim, car reported');
  await bert.keyboard.press('Enter');
  await anna.waitForFunction((i) => document.querySelector(`.alert[data-id="${i}"] .history`).textContent.includes('called the victim, car reported'), {}, id);
  // Typing "c", "a" and "r" into the note did nothing else.
  assert.equal(await rowState(anna, id), 'acknowledged/bert');
  // ? opens the help, Escape closes it.
  await bert.keyboard.press('?');
  assert.equal(await bert.$eval('#help', (d) => d.open), true);
  await bert.keyboard.press('Escape');
  assert.equal(await bert.$eval('#help', (d) => d.open), false);
  // Off: keys do nothing.
  await bert.click('#keys');
  const active = await bert.$eval('.alert.active', (r) => r.dataset.id);
  await bert.evaluate(() => document.activeElement.blur());
  await bert.keyboard.press('j');
  assert.equal(await bert.$eval('.alert.active', (r) => r.dataset.id), active);
  await bert.click('#keys');
  await bert.evaluate(() => document.activeElement.blur());
});

test('bulk: resolve a selection at once', async () => {
  const { anna, bert } = pages;
  await anna.waitForFunction(() => document.querySelectorAll('#list > .alert[data-state="new"]').length >= 2, { timeout: 20000 });
  const chosen = await anna.$$eval('#list > .alert[data-state="new"]', (r) => r.slice(0, 2).map((x) => x.dataset.id));
  for (const id of chosen) await anna.click(`.alert[data-id="${id}"] input.select`);
  assert.equal(await anna.$eval('#bulk-count', (b) => b.textContent), '2 selected');
  await anna.click('[data-bulk="resolve"]');
  for (const id of chosen) await waitState(bert, id, 'resolved/anna');
  await anna.waitForFunction(() => document.querySelector('#bulk').hidden); // done: deselected
});

test('the console answers only to its own address, with its security headers', async () => {
  const port = consoles.anna;
  const get = (headers, method = 'GET', body = '') => new Promise((done, fail) => {
    // A connection per request: the console closes the refused ones.
    const request = http.request({ host: '127.0.0.1', port, path: method === 'GET' ? '/' : '/api/action', method, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => done(response));
    });
    request.on('error', fail);
    request.end(body);
  });
  const own = `127.0.0.1:${port}`;
  const ok = await get({ Host: own });
  assert.equal(ok.statusCode, 200);
  assert.match(ok.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
  assert.equal(ok.headers['cache-control'], 'no-store');
  assert.equal(ok.headers['referrer-policy'], 'no-referrer');
  assert.equal(ok.headers['x-frame-options'], 'DENY');
  // DNS rebinding: a page of another name that resolves to 127.0.0.1.
  assert.equal((await get({ Host: `evil.example:${port}` })).statusCode, 403);
  // A cross-site form or fetch.
  const json = { Host: own, 'Content-Type': 'application/json' };
  assert.equal((await get({ ...json, Origin: 'http://evil.example' }, 'POST', '{}')).statusCode, 403);
  assert.equal((await get({ Host: own, 'Content-Type': 'text/plain' }, 'POST', '{}')).statusCode, 400);
});

// The first `count` events of /events as [{id, event, data}], asked with
// these headers.
function events(port, headers, count) {
  return new Promise((done, fail) => {
    const got = [];
    const request = http.get({ host: '127.0.0.1', port, path: '/events', headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
        let end;
        while (got.length < count && (end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const field = (name) => block.split('\n').find((l) => l.startsWith(name + ': '))?.slice(name.length + 2);
          if (field('event')) got.push({ id: field('id'), event: field('event'), data: field('data') });
          if (got.length === count) {
            request.destroy();
            done(got);
          }
        }
      });
    });
    request.on('error', (e) => (got.length === count ? null : fail(e)));
  });
}

test('a reconnecting event stream resumes after its Last-Event-ID; a stale one starts over', async () => {
  const port = consoles.anna;
  const first = (await events(port, {}, 6)).filter((e) => e.event === 'message');
  assert.ok(first.length >= 4);
  // The id is the position in every stream followed.
  assert.match(first[2].id, /^[0-9a-f]{16}\|all=\d+/);
  const resumed = await events(port, { 'Last-Event-ID': first[2].id }, 2);
  assert.equal(resumed[0].event, 'hello');
  assert.equal(resumed[1].id, first[3].id);
  assert.equal(resumed[1].data, first[3].data);
  const stale = await events(port, { 'Last-Event-ID': '0123456789abcdef|all=3' }, 3);
  assert.deepEqual(stale.map((e) => e.event), ['hello', 'reset', 'message']);
});

test('a reloaded page misses nothing and keeps every state', async () => {
  const { bert } = pages;
  const shown = await bert.$$eval('#list > .alert', (r) => r.map((x) => `${x.dataset.id}:${x.dataset.state}:${x.dataset.owner}`));
  await bert.reload();
  await bert.waitForSelector('body[data-ready="1"]');
  await bert.waitForFunction((n) => document.querySelectorAll('#list > .alert').length >= n, {}, shown.length);
  const reloaded = await bert.$$eval('#list > .alert', (r) => r.map((x) => `${x.dataset.id}:${x.dataset.state}:${x.dataset.owner}`));
  for (const row of shown) assert.ok(reloaded.includes(row), `${row} lost in the reload`);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await pages.anna.screenshot({ path: join(shots, 'console.png') });
    await pages.bert.goto(`http://127.0.0.1:${consoles.bert}/?state=open&mine=1`);
    await pages.bert.waitForSelector('body[data-ready="1"]');
    await pages.bert.waitForFunction(() => document.querySelectorAll('#list > .alert:not([hidden])').length > 0);
    await pages.bert.screenshot({ path: join(shots, 'console-mine.png') });
    await pages.bert.keyboard.press('?');
    await pages.bert.screenshot({ path: join(shots, 'console-help.png') });
    await pages.bert.keyboard.press('?');
  }
});

test('reopened, then escalated: the alert reaches the other stream in the page', async () => {
  const { anna, bert } = pages;
  const id = await anna.$$eval('#list > .alert[data-state="resolved"]',
    (r) => r.find((x) => !x.querySelector('.streams').textContent.includes('recherche')).dataset.id);
  await anna.click(`.alert[data-id="${id}"] button[data-op="reopen"]`);
  await waitState(bert, id, 'new/');
  await anna.click(`.alert[data-id="${id}"] button[data-op="escalate"]`);
  await anna.type(`.alert[data-id="${id}"] input[name="to"]`, 'recherche');
  await anna.type(`.alert[data-id="${id}"] input[name="note"]`, 'same car as last week');
  await anna.keyboard.press('Enter');
  await waitState(bert, id, 'escalated/');
  await bert.waitForFunction((i) => document.querySelector(`.alert[data-id="${i}"] .streams`).textContent.includes('recherche'), {}, id);
});

test('a later post of an incident goes onto its card, with the incident\'s places, and a claim takes them all', async () => {
  const { anna, bert } = pages;
  const card = await anna.waitForSelector('#list > .alert[data-posts="2"]', { timeout: 30000 });
  const id = await card.evaluate((c) => c.dataset.id);
  // One card for both posts: the later one is a line of its timeline.
  assert.equal(await anna.$$eval('.alert .timeline li', (l) => l.length), 1);
  assert.match(await card.$eval('.incident', (e) => e.textContent), /2 posts about this incident/);
  assert.match(await card.$eval('.timeline li', (e) => e.textContent), /Maarssen/);
  await anna.waitForFunction((i) => document.querySelector(`.alert[data-id="${i}"] .places`).textContent.includes('Maarssen'), { timeout: 5000 }, id);
  await bert.waitForSelector(`#list > .alert[data-id="${id}"][data-posts="2"]`, { timeout: 5000 });
  // Claiming the card claims every alert of the incident, and counts once.
  const claims = async () => Number((await bert.$eval('#who', (w) => w.textContent)).match(/anna: (\d+) claimed/)?.[1] || 0);
  const before = await claims();
  await anna.click(`.alert[data-id="${id}"] button[data-op="claim"]`);
  await waitState(bert, id, 'claimed/anna');
  await bert.waitForFunction((i) => document.querySelector(`.alert[data-id="${i}"] .timeline li`).dataset.state === 'claimed',
    { timeout: 5000 }, id);
  assert.equal(await claims(), before + 1);
  await anna.click(`.alert[data-id="${id}"] button[data-op="release"]`);
  await waitState(bert, id, 'new/');
  await bert.waitForFunction((i) => document.querySelector(`.alert[data-id="${i}"] .timeline li`).dataset.state === 'new',
    { timeout: 5000 }, id);
});

test('the page warns when the daemon is gone, and when it comes back with a new journal', async () => {
  const { anna } = pages;
  daemon.kill('SIGTERM');
  await anna.waitForFunction(() => !document.querySelector('#warning').hidden, { timeout: 15000 });
  assert.match(await anna.$eval('#warning', (w) => w.textContent), /unreachable/);
  assert.equal(await anna.$eval('#status', (s) => s.dataset.state), 'down');
  // Back with its state wiped: a new epoch, the list starts over.
  await new Promise((done) => (daemon.exitCode === null ? daemon.once('exit', done) : done()));
  await setting.restartDaemon({ fresh: true });
  await anna.waitForFunction(() => document.querySelector('#warning').textContent.includes('journal was reset'), { timeout: 15000 });
  await anna.waitForFunction(() => document.querySelector('#status').dataset.state === 'live', { timeout: 15000 });
});

test('nothing left 127.0.0.1 and no page had an error', () => {
  assert.deepEqual(setting.problems, []);
});
