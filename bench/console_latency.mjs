// How long an alert takes from its commit to its row in the console page:
// a real wijkwachtd with CURVE, the demo feed releasing synthetic burglary
// posts a few at a time, `wijkwacht console` and a Chromium page. The commit
// time is taken where `wijkwacht tail --json` receives the alert (published
// right after its commit), the row time where the page inserts it; both on
// this machine's clock. Run with bench/console.sh.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Setting, written } from '../tests/browser/harness.mjs';

const count = Number(process.env.ALERTS || 300);
const setting = new Setting();
const posts = join(setting.dir, 'posts.jsonl');
const streets = ['Dorpsstraat', 'Kerkstraat', 'Molenweg', 'Stationsplein', 'Lindenlaan'];
writeFileSync(posts, Array.from({ length: count }, (_, i) => JSON.stringify({
  source: i % 2 ? 'wijk-noord' : 'wijk-centrum', platform: 'feed',
  id: `https://bench.wijkwacht.example/${i}`, url: `https://bench.wijkwacht.example/${i}`,
  author: { name: 'Wijkagent' },
  text: `Inbraak ${streets[i % streets.length]} ${i}\nVannacht is ingebroken bij woning ${i}. Wie heeft iets gezien?`,
})).join('\n') + '\n');

let failed = true;
try {
  // Spread over a minute or so: what arrives before the page and tail are
  // ready is left out of the figures.
  await setting.startDaemon({ staff: ['anna'], posts, batch: 1, every: '200ms' });
  await setting.startConsole('anna', ['all']);
  await setting.launch();
  const page = await setting.open('anna');
  await page.evaluate(() => {
    window.rowTimes = {};
    new MutationObserver((changes) => {
      const now = performance.timeOrigin + performance.now();
      for (const change of changes)
        for (const node of change.addedNodes) if (node.dataset && node.dataset.id) window.rowTimes[node.dataset.id] = now;
    }).observe(document.querySelector('#list'), { childList: true });
  });
  const published = {};
  const tail = setting.tool('anna', ['tail', '--json', 'all']);
  let pending = '';
  tail.stdout.on('data', (chunk) => {
    const now = performance.timeOrigin + performance.now();
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const m = JSON.parse(line);
      if (m.type === 'alert') published[m.id] = now;
    }
  });
  const feed = setting.children.find((c) => c.name === 'feed');
  await written(feed, `${count} of ${count} posts published`, 300000);
  // The last poll, its commit and its rows: until nothing new for 3 s.
  let seen = -1;
  while (Object.keys(published).length !== seen) {
    seen = Object.keys(published).length;
    await new Promise((done) => setTimeout(done, 3000));
  }
  const rows = await page.evaluate(() => window.rowTimes);
  const latencies = Object.keys(rows).filter((id) => published[id]).map((id) => rows[id] - published[id]).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(`alerts measured: ${latencies.length} of ${count} (the first ones came before the page)`);
  console.log(`commit → row: p50 ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
  failed = latencies.length < count * 0.8;
} finally {
  await setting.stop(failed);
}
process.exitCode = failed ? 1 : 0;
