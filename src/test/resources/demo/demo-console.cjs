// Drives the console against a running demo city in Debian's Chromium (playwright-core, no bundled browser) for
// DemoIT. argv: baseUrl user password box screenshotDir. The operator logs in with the demo's printed login, sees
// the grid of the city's cameras and boxes, finds the incident of the scripted theft at `box`, acknowledges it and
// dispatches the proposed ERV unit; the demo's crew drives there and reports itself on scene. Prints {"step":...}
// JSON lines; exits 0 when every step passed, 1 with {"error":...} otherwise. Saves demo-console.png.
const { chromium } = require('playwright-core');

const [baseUrl, user, password, box, shots] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const T = { timeout: 60000 };

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push('console: ' + m.text()));
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    await page.goto(baseUrl + '/');
    await page.fill('#username', user);
    await page.fill('#password', password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#conn.live', T);
    out({ step: 'live' });
    await page.waitForSelector('#devices [data-camera]', T);
    const cameras = await page.locator('#devices [data-camera]').count();
    out({ step: 'grid', cameras });

    const theft = page.locator('#feed li.alarm', { hasText: 'theft suspected' }).first();
    await theft.waitFor(T);
    out({ step: 'theft-shown', text: await theft.textContent(), severity: await theft.locator('.sev').textContent() });

    const row = page.locator(`#incidents tbody tr[data-source="${box}"]`, { hasText: 'theft' }).first();
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
    out({ step: 'dispatched', incidentId, proposed });

    // The demo's crew, not this script, takes the next step.
    await page.waitForFunction(() => document.querySelector('#incident-state').textContent === 'on-scene', null,
      { timeout: 90000 });
    const steps = await page.locator('#incident-steps li').allTextContents();
    await page.screenshot({ path: shots + '/demo-console.png', fullPage: true });
    out({ step: 'on-scene', incidentId, steps, problems });
    await browser.close();
    process.exit(0);
  } catch (e) {
    out({ error: String(e && e.stack || e) });
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages.length) await pages[0].screenshot({ path: shots + '/demo-console-failed.png', fullPage: true });
    } catch (ignored) { /* best effort */ }
    await browser.close();
    process.exit(1);
  }
})();
