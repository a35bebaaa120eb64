// Watches the console's live feed during the demo's hotlisted-plate scene, in Debian's Chromium (playwright-core), for
// DemoPlatesIT. argv: baseUrl user password plate screenshotDir. The operator logs in before the scene; the feed
// must then show the plate hit and the e-challan for `plate` (the test checks where, and that each shows once).
// Prints {"step":...} JSON lines; exits 0 when every step passed, 1 with {"error":...} otherwise. Saves
// demo-plates-console.png.
const { chromium } = require('playwright-core');

const [baseUrl, user, password, plate, shots] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const T = { timeout: 150000 };

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

    const hit = page.locator('#feed li.hit-plate', { hasText: plate });
    await hit.first().waitFor(T);
    const challan = page.locator('#feed li.hit-echallan', { hasText: plate });
    await challan.first().waitFor(T);
    await page.waitForTimeout(1500); // a duplicate would come with the next message or reload
    const hits = await hit.allTextContents();
    const challans = await challan.allTextContents();
    out({ step: 'hits', hits, challans,
      hitSev: await hit.first().locator('.sev').textContent(),
      hitIds: await hit.evaluateAll((els) => els.map((e) => e.dataset.eventId)),
      sources: await page.locator('#feed li.hit .source').allTextContents(),
      problems });
    await page.screenshot({ path: shots + '/demo-plates-console.png', fullPage: true });
    await browser.close();
    process.exit(0);
  } catch (e) {
    out({ error: String(e && e.stack || e) });
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages.length) await pages[0].screenshot({ path: shots + '/demo-plates-console-failed.png', fullPage: true });
    } catch (ignored) { /* best effort */ }
    await browser.close();
    process.exit(1);
  }
})();
