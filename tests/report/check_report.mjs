// SPDX-License-Identifier: MIT
// Browser test of gan::TrainingReport: runs the synthetic-run program, loads the page it
// writes in headless Chromium (Debian's, driven by playwright-core), and checks that
//   1. the page loads with no console error, page error, failed or outside request;
//   2. every sample grid decoded (naturalWidth > 0), and as many as the run added;
//   3. each chart rendered: a screenshot of it holds enough pixels of each line's colour.
// Then it checks itself on broken copies of the page (a corrupt grid, a missing line, a
// blocked script), each of which must be caught, so that a check passing everything fails.
//
//   node check_report.mjs PATH/TO/report_synthetic_run [SCREENSHOT.png]
//
// Exits 0 when all checks pass, 1 when one fails, and 77 (CTest's skip) when Chromium or
// playwright-core is missing: scripts/test installs both (apt-get chromium, npm ci here).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const kSkip = 77;
const kChromium = process.env.GAN_CHROMIUM ?? '/usr/bin/chromium';
// Line colours per chart, as training_report.hpp draws them.
const kCharts = {
  'chart-losses': ['#d62728', '#1f77b4'],
  'chart-scores': ['#2ca02c', '#ff7f0e'],
  'chart-frechet': ['#9467bd'],
  'chart-inception': ['#8c564b'],
  'chart-entropy': ['#e377c2'],
};
const kGrids = 5;  // synthetic_run.cpp adds grids after steps 1, 1000, 2000, 3000, 4000
// A 2-pixel line across a 680-pixel plot covers well over this many pixels of its colour;
// a chart that drew nothing, or only its frame, has none.
const kMinLinePixels = 300;

const started = Date.now();
const [generator, screenshotPath] = process.argv.slice(2);
if (!generator) {
  console.error('usage: node check_report.mjs PATH/TO/report_synthetic_run [SCREENSHOT.png]');
  process.exit(2);
}
if (!existsSync(kChromium)) {
  console.log(`skipped: no Chromium at ${kChromium} (apt-get install chromium)`);
  process.exit(kSkip);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('skipped: playwright-core is not installed (run npm ci in tests/report)');
  process.exit(kSkip);
}

/// Counts, in a PNG screenshot, the pixels within a small distance of each colour, and those
/// that are not white; decoded by the browser itself, so no PNG decoder is needed here.
async function countColours(page, png, colours) {
  return page.evaluate(async ({ data, colours }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const targets = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    const counts = colours.map(() => 0);
    let notWhite = 0;
    for (let p = 0; p < pixels.length; p += 4) {
      const rgb = [pixels[p], pixels[p + 1], pixels[p + 2]];
      if (rgb.some((c) => c < 245)) ++notWhite;
      targets.forEach((target, i) => {
        if (target.every((c, k) => Math.abs(c - rgb[k]) <= 12)) ++counts[i];
      });
    }
    return { counts, notWhite, total: pixels.length / 4 };
  }, { data: png.toString('base64'), colours });
}

/// Loads `file` and returns the problems found (empty when the page passes every check).
async function inspect(browser, file, screenshot) {
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url().slice(0, 80)}`));
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) problems.push(`outside request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

  const images = await page.evaluate(() =>
    [...document.images].map((i) => ({ ok: i.complete && i.naturalWidth > 0, alt: i.alt })));
  if (images.length !== kGrids) problems.push(`expected ${kGrids} grids, got ${images.length}`);
  for (const image of images.filter((i) => !i.ok)) problems.push(`grid not decoded: ${image.alt}`);

  const decoder = await browser.newPage();
  for (const [id, colours] of Object.entries(kCharts)) {
    const chart = page.locator(`#${id}`);
    if ((await chart.count()) !== 1) {
      problems.push(`chart ${id} missing`);
      continue;
    }
    const { counts, notWhite, total } =
        await countColours(decoder, await chart.screenshot(), colours);
    colours.forEach((colour, i) => {
      if (counts[i] < kMinLinePixels)
        problems.push(`chart ${id}: ${counts[i]} pixels of ${colour}, expected ${kMinLinePixels}+`);
    });
    if (notWhite < 0.02 * total) problems.push(`chart ${id}: almost blank (${notWhite} pixels)`);
  }
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await decoder.close();
  await page.close();
  return problems;
}

/// Each broken copy of the page, and a fragment of the problem it must raise.
function brokenCopies(html) {
  return [
    ['a corrupt grid', html.replace('base64,iVBORw0KGgo', 'base64,AAAAAAAAAAAA'),
     'grid not decoded'],
    ['a missing line', html.replaceAll('stroke="#1f77b4"', 'stroke="none"'), '#1f77b4'],
    ['a blocked script', html.replace('</body>', '<script>1</script></body>'), 'console error'],
  ];
}

const folder = mkdtempSync(join(tmpdir(), 'gan-report-browser-'));
let browser;
let failed = false;
try {
  const file = join(folder, 'report.html');
  const run = spawnSync(generator, [file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${generator} failed: ${run.stderr}${run.error ?? ''}`);

  // Running as root (containers, CI) needs --no-sandbox; playwright gives the browser a
  // temporary profile folder and removes it on close. The other flags keep Chromium off the
  // network: the page needs none, and its own background services would reach out.
  const args = ['--disable-background-networking', '--disable-component-update',
                '--disable-sync', '--disable-quic', '--no-first-run', '--disable-gpu'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath: kChromium, args });
  const problems = await inspect(browser, file, screenshotPath);
  for (const problem of problems) console.log(`FAIL report.html: ${problem}`);
  failed = problems.length > 0;

  const html = readFileSync(file, 'utf8');
  for (const [name, copy, expected] of brokenCopies(html)) {
    const broken = join(folder, 'broken.html');
    writeFileSync(broken, copy);
    const found = await inspect(browser, broken);
    if (!found.some((p) => p.includes(expected))) {
      console.log(`FAIL the check missed ${name}: expected '${expected}', got ${found}`);
      failed = true;
    }
  }
} catch (error) {
  console.log(`FAIL ${error.stack ?? error}`);
  failed = true;
} finally {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(failed ? `report browser test failed (${seconds}s)`
                   : `report browser test passed: page, ${kGrids} grids and ` +
                     `${Object.keys(kCharts).length} charts checked (${seconds}s)`);
process.exit(failed ? 1 : 0);
