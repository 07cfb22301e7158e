// The setting of the console's browser tests and benchmark: a real
// wijkwachtd with CURVE fed by the loopback demo feed, consoles with staff
// keys, and Debian's Chromium driven by puppeteer-core (from
// $PUPPETEER_HOME, where tests/browser/run.sh installs it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(process.env.PUPPETEER_HOME ? join(process.env.PUPPETEER_HOME, 'x.js') : import.meta.url);
const puppeteer = require('puppeteer-core');

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const build = resolve(process.env.WIJKWACHT_BUILD || join(root, 'build'));
export const wijkwacht = join(build, 'cli/wijkwacht');
const wijkwachtd = join(build, 'daemon/wijkwachtd');
const feed = join(build, 'tests/wijkwacht-demo-feed');

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

// Resolves when `child` has written `text`.
export function written(child, text, ms = 15000) {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${child.name}: no "${text}" within ${ms} ms:\n${child.log}`)), ms);
    const check = () => {
      if (!child.log.includes(text)) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      done();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    check();
  });
}

export class Setting {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'wijkwacht-browser-'));
    this.children = [];
    this.consoles = {}; // name -> port
    this.problems = []; // console errors, page errors, requests off loopback
  }

  start(name, argv) {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.log = '';
    child.stdout.on('data', (d) => { child.log += d; });
    child.stderr.on('data', (d) => { child.log += d; });
    child.name = name;
    this.children.push(child);
    return child;
  }

  // Keys for `staff` (authorized) and the server; the demo feed serving
  // `posts` (batch every `every`); the daemon polling it every second.
  async startDaemon({ staff, posts, batch = 2, every = '1500ms' }) {
    for (const name of ['server', ...staff]) {
      const r = spawnSync(wijkwacht, ['keygen', join(this.dir, 'keys'), name]);
      assert.equal(r.status, 0, r.stderr.toString());
    }
    mkdirSync(join(this.dir, 'authorized.d'));
    for (const name of staff) copyFileSync(join(this.dir, 'keys', `${name}.key`), join(this.dir, 'authorized.d', `${name}.key`));
    const feedPort = await freePort();
    this.config = join(this.dir, 'w.toml');
    const source = (name, region) => `[[source]]
name = "${name}"
type = "feed"
url = "http://127.0.0.1:${feedPort}/${name}.xml"
interval = "1s"
tags = { region = "${region}" }
`;
    writeFileSync(this.config, `[daemon]
state_dir = "state"
rules = ["${join(root, 'rules/packs')}"]
places = "${join(root, 'tests/fixtures/places')}"
[publish]
endpoint = "tcp://127.0.0.1:${await freePort()}"
replay_endpoint = "tcp://127.0.0.1:${await freePort()}"
workflow_endpoint = "tcp://127.0.0.1:${await freePort()}"
heartbeat = "500ms"
server_secret_key = "keys/server.key_secret"
authorized_keys = "authorized.d"
${source('wijk-centrum', 'centrum')}${source('wijk-noord', 'noord')}
[[stream]]
name = "centrum"
match_tags = { region = "centrum" }
[[stream]]
name = "recherche"
categories = ["footage.*"]
`);
    const f = this.start('feed', [feed, '--posts', posts, '--port', String(feedPort), '--batch', String(batch), '--every', every]);
    await written(f, 'demo feed:');
    await this.restartDaemon({});
  }

  // Starts the daemon (again); `fresh`: with its state directory wiped.
  async restartDaemon({ fresh = false }) {
    if (fresh) rmSync(join(this.dir, 'state'), { recursive: true, force: true });
    this.daemon = this.start('wijkwachtd', [wijkwachtd, '--config', this.config, '--log-level', 'info']);
    await written(this.daemon, 'source(s) running');
  }

  // Runs `wijkwacht ARGS` as `who` with its key and the daemon's endpoints.
  tool(who, args) {
    return this.start(`wijkwacht ${args[0]} (${who})`, [wijkwacht, ...args, '--config', this.config,
      '--server-key', join(this.dir, 'keys/server.key'), '--key', join(this.dir, 'keys', `${who}.key_secret`)]);
  }

  async startConsole(name, streams) {
    const port = await freePort();
    const c = this.tool(name, ['console', '--listen', `127.0.0.1:${port}`, '--silence', '2000', ...streams]);
    await written(c, 'wijkwacht console: http://');
    this.consoles[name] = port;
  }

  async launch() {
    this.browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium-headless-shell',
      headless: 'shell',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }

  // A page of `name`'s console in a browser context of its own, watched
  // for errors and for requests anywhere but the console.
  async open(name) {
    const context = await this.browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const origin = `http://127.0.0.1:${this.consoles[name]}`;
    page.on('console', (m) => { if (m.type() === 'error') this.problems.push(`${name} console: ${m.text()}`); });
    page.on('pageerror', (e) => this.problems.push(`${name} page error: ${e.message}`));
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) this.problems.push(`${name} requested ${r.url()}`);
    });
    await page.goto(origin + '/');
    await page.waitForSelector('body[data-ready="1"]');
    return page;
  }

  async stop(failed) {
    if (this.browser) await this.browser.close();
    for (const child of this.children) child.kill('SIGTERM');
    await Promise.all(this.children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((d) => c.once('exit', d)) : null)));
    if (failed) for (const c of this.children) console.error(`--- ${c.name}\n${c.log}`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
