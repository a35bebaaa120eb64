// Drives the console in Debian's Chromium (playwright-core, no bundled browser) for ConsoleIT.
// argv: baseUrl user password screenshotDir. Talks to the IT in JSON lines: prints {"step":...} on stdout, reads
// commands on stdin ({"cmd":"alarm","eventId":N}, {"cmd":"cut"}, {"cmd":"expect","eventIds":[...]}).
// Exits 0 when every phase passed, 1 with {"error":...} otherwise.
const { chromium } = require('playwright-core');
const readline = require('readline');

const [baseUrl, user, password, shots] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const commands = [];
const waiters = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  const w = waiters.shift();
  if (w) w(c); else commands.push(c);
});
const next = () => (commands.length ? Promise.resolve(commands.shift()) : new Promise((r) => waiters.push(r)));
const T = { timeout: 30000 };

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = [];
    // A network error is what phase 2 does on purpose (the cut stream); anything else logged as an error is not.
    page.on('console', (m) => m.type() === 'error' && !/net::ERR_/.test(m.text()) && problems.push('console: ' + m.text()));
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    // Every state the banner shows, in order: the IT checks the page said "disconnected" while cut off.
    await page.exposeFunction('reportConn', (cls, text) => out({ conn: cls, text }));
    await page.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        const c = document.getElementById('conn');
        new MutationObserver(() => window.reportConn(c.className, c.textContent))
          .observe(c, { childList: true, characterData: true, subtree: true, attributes: true });
      });
    });

    const resp = await page.goto(baseUrl + '/');
    out({ step: 'loaded', status: resp.status(), csp: resp.headers()['content-security-policy'] || null,
      cacheControl: resp.headers()['cache-control'] || null });
    await page.fill('#username', user);
    await page.fill('#password', password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#conn.live', T);
    await page.waitForSelector('#login-view', { state: 'hidden', ...T });
    out({ step: 'live' });

    // Phase 1: an alarm appears with its severity; acknowledge and dispatch its incident to the proposed unit.
    const alarm = await next();
    const item = page.locator(`#feed li.alarm[data-event-id="${alarm.eventId}"]`);
    await item.waitFor(T);
    out({ step: 'alarm-shown', eventId: alarm.eventId, severity: await item.locator('.sev').textContent(),
      text: await item.textContent() });
    const row = page.locator(`#incidents tbody tr[data-source="${alarm.source}"]`).first();
    await row.waitFor(T);
    await row.click();
    await page.waitForFunction(() => document.querySelector('#incident-state').textContent === 'new', null, T);
    const incidentId = Number(await page.locator('#incident').getAttribute('data-incident-id'));
    await page.click('#ack');
    await page.waitForFunction(() => document.querySelector('#incident-state').textContent === 'acknowledged', null, T);
    await page.click('#propose');
    await page.waitForFunction(() => document.querySelector('#proposal').dataset.unit, null, T);
    const proposed = await page.locator('#proposal').getAttribute('data-unit');
    await page.click('#dispatch');
    await page.waitForFunction(() => document.querySelector('#incident-state').textContent === 'dispatched', null, T);
    await page.waitForFunction((id) => {
      const r = document.querySelector(`#incidents tr[data-incident-id="${id}"] .state`);
      return r && r.textContent === 'dispatched';
    }, incidentId, T);
    const steps = await page.locator('#incident-steps li').allTextContents();
    await page.locator(`#devices [data-camera]`).first().click();
    await page.waitForSelector('#camera-stats dd[data-stat="codec"]', T);
    const stats = {};
    for (const k of ['codec', 'resolution', 'fps', 'bitrate', 'loss']) {
      stats[k] = await page.locator(`#camera-stats dd[data-stat="${k}"]`).textContent();
    }
    await page.screenshot({ path: shots + '/console-dispatched.png', fullPage: true });
    out({ step: 'dispatched', incidentId, proposed, unit: await page.locator('#incident-unit').textContent(), steps,
      stats });

    // Phase 2: the connection is cut while alarms are committed; the page says so, then misses none of them.
    const cut = await next();
    if (cut.cmd !== 'cut') throw new Error('expected cut, got ' + JSON.stringify(cut));
    await page.waitForSelector('#conn.down', T);
    out({ step: 'disconnected-shown', text: await page.locator('#conn').textContent() });
    const expect = await next();
    await page.waitForSelector('#conn.live', T);
    for (const id of expect.eventIds) {
      await page.locator(`#feed li.alarm[data-event-id="${id}"]`).waitFor(T);
    }
    await page.waitForTimeout(1000); // anything duplicated would have arrived by now
    const shown = (await page.locator('#feed li.alarm[data-event-id]').evaluateAll((els) =>
      els.map((e) => Number(e.dataset.eventId))));
    await page.screenshot({ path: shots + '/console-resumed.png', fullPage: true });
    out({ step: 'resumed', shown, problems });
    process.exitCode = 0;
  } finally {
    await browser.close();
  }
})().catch((e) => {
  out({ error: String(e && e.stack || e) });
  process.exitCode = 1;
}).finally(() => process.exit());
