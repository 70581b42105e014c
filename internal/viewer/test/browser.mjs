// Drives the viewer in the system's Chromium (playwright-core; it never
// downloads a browser). Environment:
//   CSDI_BASE_URL    the server, e.g. http://127.0.0.1:40123 (loopback only)
//   CSDI_SCREENSHOT  where to write the screenshot (PNG)
//   CSDI_CHROMIUM    the browser binary (default /usr/bin/chromium)
//   CSDI_VIEW        the map position as a URL hash, e.g. 14/22.32/114.17
// Prints what it checked; exits 1 with every problem it saw.
import {mkdtemp, rm, mkdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

const base = process.env.CSDI_BASE_URL;
const screenshot = process.env.CSDI_SCREENSHOT;
const view = process.env.CSDI_VIEW || '14/22.32/114.17';
if (!base || !screenshot) {
    console.error('CSDI_BASE_URL and CSDI_SCREENSHOT are required');
    process.exit(2);
}
const origin = new URL(base).origin;
const problems = [];
const problem = (msg) => { problems.push(msg); console.error('PROBLEM: ' + msg); };
const WAIT = 60_000; // generous: two shared cores and a software WebGL

const userDataDir = await mkdtemp(path.join(tmpdir(), 'csdi-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CSDI_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
    viewport: {width: 1200, height: 800},
    locale: 'en-GB',
});

try {
    const page = context.pages()[0] || await context.newPage();
    // Nothing may leave this server: any other request is aborted and fails the test.
    await page.route('**/*', (route) => {
        const u = route.request().url();
        if (u.startsWith(origin + '/') || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
        problem(`request outside the server: ${u}`);
        return route.abort();
    });
    const tiles = [];
    page.on('response', (res) => {
        const u = res.url();
        if (/\/tiles\/[^/]+\/\d+\/\d+\/\d+(\.mvt|\.pbf)?$|\/tiles\/WebMercatorQuad\/\d+\/\d+\/\d+$/.test(new URL(u).pathname)) {
            tiles.push({url: u, status: res.status()});
        }
        if (res.status() >= 400) problem(`HTTP ${res.status()} for ${u}`);
    });
    page.on('requestfailed', (req) => {
        const why = req.failure()?.errorText || '';
        if (why.includes('ERR_ABORTED') && req.url().startsWith(origin)) return; // cancelled tile of a moved map
        problem(`request failed: ${req.url()} ${why}`);
    });
    page.on('console', (msg) => {
        if (msg.type() === 'error') problem(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problem(`page error: ${err.message}`));

    // 1. The page loads and the map settles.
    await page.goto(`${base}/map?lang=en#${view}`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, {timeout: WAIT});
    const state = await page.evaluate(() => document.body.dataset.state);
    if (state !== 'ready') {
        problem(`the viewer did not get ready: ${await page.textContent('#status')}`);
        throw new Error('stop');
    }
    console.log('map ready');

    // 2. Tiles were requested and served.
    const ok = tiles.filter((r) => r.status === 200);
    const bad = tiles.filter((r) => r.status !== 200 && r.status !== 204);
    if (ok.length === 0) problem(`no tile was answered 200 (${tiles.length} tile responses)`);
    for (const r of bad) problem(`tile ${r.url}: HTTP ${r.status}`);
    console.log(`tiles: ${tiles.length} responses, ${ok.length} with data`);

    // 3. The canvas has drawn something besides the background.
    const drawn = await page.evaluate(() => new Promise((resolve) => {
        const map = window.csdiViewer.map;
        map.once('render', () => {
            const canvas = map.getCanvas();
            const gl = canvas.getContext('webgl2') || canvas.getContext('webgl');
            const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
            const px = new Uint8Array(w * h * 4);
            gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
            const colours = new Set();
            let painted = 0;
            for (let i = 0; i < px.length; i += 4 * 7) { // every 7th pixel
                if (px[i + 3] > 0) painted++;
                colours.add((px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | (px[i + 2] >> 3));
            }
            resolve({painted, colours: colours.size, sampled: px.length / 28});
        });
        map.triggerRepaint();
    }));
    console.log(`canvas: ${drawn.painted} of ${Math.round(drawn.sampled)} sampled pixels painted, ${drawn.colours} colours`);
    if (drawn.painted < drawn.sampled * 0.2 || drawn.colours < 5) problem(`the map looks empty: ${JSON.stringify(drawn)}`);

    // 4. Every collection has features on screen here.
    const onScreen = await page.evaluate(() => {
        const counts = {};
        for (const f of window.csdiViewer.map.queryRenderedFeatures()) {
            const c = f.layer.metadata?.['csdi:collection'];
            if (c) counts[c] = (counts[c] || 0) + 1;
        }
        return counts;
    });
    console.log('rendered features:', JSON.stringify(onScreen));
    for (const c of ['districts', 'buildings', 'roads']) {
        if (!onScreen[c]) problem(`no ${c} drawn at ${view}`);
    }

    // 5. Clicking a point feature opens its popup with a link to the item.
    const target = await page.evaluate(() => {
        const map = window.csdiViewer.map;
        const canvas = map.getCanvas().getBoundingClientRect();
        // A clinic or toilet: their popups make a screenshot without
        // (synthetic) personal data.
        const fs = map.queryRenderedFeatures().filter((f) => f.layer.type === 'circle' && f.id !== undefined &&
            ['clinics', 'public_toilets'].includes(f.layer.metadata['csdi:collection']));
        for (const f of fs) {
            const p = map.project(f.geometry.coordinates);
            if (p.x < 60 || p.y < 60 || p.x > canvas.width - 60 || p.y > canvas.height - 60) continue;
            // The viewer shows the topmost feature under the click: take
            // a point nothing else covers.
            const top = map.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]])
                .filter((g) => g.layer.metadata?.['csdi:collection'] && g.layer.type !== 'symbol')[0];
            if (top && top.id === f.id && top.layer.id === f.layer.id) {
                return {x: canvas.left + p.x, y: canvas.top + p.y, collection: f.layer.metadata['csdi:collection'], id: f.id};
            }
        }
        return null;
    });
    if (!target) {
        problem('no point feature to click on screen');
    } else {
        await page.mouse.click(target.x, target.y);
        const link = page.locator('.maplibregl-popup a.csdi-feature-link');
        await link.waitFor({timeout: WAIT});
        const href = await link.evaluate((a) => a.href);
        const rows = await page.locator('.maplibregl-popup tr').count();
        console.log(`popup: ${rows} rows, link ${href}`);
        const expect = `/collections/${target.collection}/items/`;
        if (!href.includes(expect)) problem(`popup link ${href} does not lead to ${expect}…`);
        if (rows < 3) problem(`popup shows ${rows} attribute rows`);
        const item = await page.request.get(href, {headers: {Accept: 'application/geo+json'}});
        if (item.status() !== 200) problem(`the popup's link answers HTTP ${item.status()}`);
        else if ((await item.json()).id === undefined) problem(`the popup's link is not a feature`);
    }

    // 6. Toggling a layer hides and shows it.
    const visible = (c) => page.evaluate((c) => window.csdiViewer.map.queryRenderedFeatures()
        .filter((f) => f.layer.metadata?.['csdi:collection'] === c).length, c);
    const toggle = page.locator('#layer-buildings');
    await toggle.uncheck();
    await page.evaluate(() => window.csdiViewer.map.once('idle'));
    const hidden = await visible('buildings');
    if (hidden !== 0) problem(`buildings still drawn after switching them off (${hidden})`);
    await toggle.check();
    await page.evaluate(() => window.csdiViewer.map.once('idle'));
    const shown = await visible('buildings');
    if (shown === 0) problem('buildings not drawn after switching them on again');
    console.log(`toggle: buildings ${onScreen.buildings} → ${hidden} → ${shown}`);

    // 7. The screenshot, with the popup open.
    await mkdir(path.dirname(screenshot), {recursive: true});
    await page.screenshot({path: screenshot});
    console.log(`screenshot: ${screenshot}`);

    // 8. Zoom to extent moves the map over the collection, and the
    // Chinese interface speaks Chinese.
    await page.locator('button[data-collection="districts"]').click();
    const zoomed = await page.evaluate(() => window.csdiViewer.map.getZoom());
    if (!(zoomed < 13)) problem(`zoom to the districts' extent left the map at zoom ${zoomed}`);
    await page.goto(`${base}/map?lang=zh#${view}`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, {timeout: WAIT});
    const heading = await page.textContent('h1');
    const label = await page.textContent('label[for="layer-districts"]');
    if (heading !== '地圖檢視器' || label !== '地區界線') problem(`Chinese interface shows ${heading} / ${label}`);
    await page.screenshot({path: screenshot.replace(/\.png$/, '') + '-zh.png'});
    console.log(`chinese: ${heading} / ${label}`);
} catch (e) {
    if (e.message !== 'stop') problem(`test script failed: ${e.stack || e}`);
} finally {
    await context.close();
    await rm(userDataDir, {recursive: true, force: true});
}
if (problems.length > 0) {
    console.error(`${problems.length} problem(s)`);
    process.exit(1);
}
console.log('viewer OK');
