// csdi's map viewer: the layers of /collections drawn with the server's
// default style, grouped by department, with toggles, zoom to extent and
// a popup of a clicked feature's attributes. Every request goes to the
// server that served this page; every URL is relative to it, so the viewer
// also works below a path prefix.
import * as maplibregl from './vendor/maplibre-gl.mjs';

const TEXT = {
    en: {
        title: 'Map viewer', loading: 'Loading…', layers: 'Layers', home: 'Data and API',
        other: 'Other', zoomTo: 'Zoom to extent', zoomIn: 'Zoom in to see this layer',
        failed: 'The map could not be loaded: ', open: 'Open this feature', openNear: 'Features here',
        yes: 'Yes', no: 'No', id: 'ID', switchTo: '中文', switchLang: 'zh',
    },
    zh: {
        title: '地圖檢視器', loading: '載入中…', layers: '圖層', home: '數據及 API',
        other: '其他', zoomTo: '縮放至範圍', zoomIn: '放大地圖以顯示此圖層',
        failed: '無法載入地圖：', open: '開啟此要素', openNear: '此處的要素',
        yes: '是', no: '否', id: '編號', switchTo: 'English', switchLang: 'en',
    },
};

// The language: ?lang=en|zh, else the browser's (which follows its
// Accept-Language settings).
const params = new URLSearchParams(location.search);
const lang = (params.get('lang') || navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
const t = TEXT[lang];

// Department names as the demo catalogue spells them, in Chinese.
const DEPARTMENTS_ZH = {
    'Lands Department': '地政總署',
    'Transport Department': '運輸署',
    'Food and Environmental Hygiene Department': '食物環境衞生署',
    'Department of Health': '衞生署',
    'Home Affairs Department': '民政事務總署',
    'Social Welfare Department': '社會福利署',
};

const $ = (sel) => document.querySelector(sel);

function el(tag, props = {}, ...children) {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...children);
    return e;
}

function textIn(text) { // a {en, zh-Hant} pair from the style's metadata
    return (lang === 'zh' ? text['zh-Hant'] || text.en : text.en || text['zh-Hant']) || '';
}

async function getJSON(url) {
    const res = await fetch(url, {headers: {Accept: 'application/json'}});
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
}

function translatePage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-Hant' : 'en';
    for (const e of document.querySelectorAll('[data-text]')) e.textContent = t[e.dataset.text];
    document.title = t.title;
    const sw = $('#lang-switch');
    const q = new URLSearchParams(location.search);
    q.set('lang', t.switchLang);
    sw.textContent = t.switchTo;
    sw.lang = t.switchLang === 'zh' ? 'zh-Hant' : 'en';
    sw.href = `?${q}${location.hash}`;
    // Keep the map position when switching language.
    sw.addEventListener('click', () => { sw.href = `?${q}${location.hash}`; });
}

// union of the collections' WGS 84 extents, or null.
function unionExtent(cols) {
    let b = null;
    for (const c of cols) {
        const e = c.extent?.spatial?.bbox?.[0];
        if (!e) continue;
        b = b ? [Math.min(b[0], e[0]), Math.min(b[1], e[1]), Math.max(b[2], e[2]), Math.max(b[3], e[3])] : e.slice(0, 4);
    }
    return b;
}

function setStatus(msg, state) {
    $('#status').textContent = msg;
    if (state) document.body.dataset.state = state;
}

async function main() {
    translatePage();
    const [collections, style] = await Promise.all([getJSON('collections?f=json'), getJSON('styles/default')]);
    const styled = new Map(style.metadata['csdi:collections'].map((c) => [c.id, c]));
    const cols = collections.collections.filter((c) => styled.has(c.id));

    const options = {container: 'map', style, hash: true, attributionControl: {compact: true}};
    const all = unionExtent(cols);
    if (!location.hash && all) options.bounds = [[all[0], all[1]], [all[2], all[3]]];
    const map = new maplibregl.Map(options);
    map.addControl(new maplibregl.NavigationControl(), 'top-right');
    map.addControl(new maplibregl.ScaleControl(), 'bottom-left');
    window.csdiViewer = {map, lang};

    buildLayerList(map, cols, styled);
    map.on('click', (e) => showFeature(map, e, styled));
    map.on('mousemove', (e) => {
        map.getCanvas().style.cursor = featuresAt(map, e.point).length ? 'pointer' : '';
    });
    map.on('error', (e) => {
        const msg = e.error?.message || String(e);
        console.error('map error:', msg);
        // Shown to the user; before the first full draw it also marks the
        // page failed, for whoever waits on it.
        setStatus(t.failed + msg, document.body.dataset.state === 'loading' ? 'error' : undefined);
    });
    await map.once('load');
    // The attribution (every department's name) starts folded: it would
    // cover the bottom of the map.
    map.getContainer().querySelector('.maplibregl-compact-show')?.classList.remove('maplibregl-compact-show');
    await map.once('idle');
    if (document.body.dataset.state === 'loading') setStatus('', 'ready');
}

function buildLayerList(map, cols, styled) {
    const byDept = new Map();
    for (const c of cols) {
        const d = c.department || '';
        if (!byDept.has(d)) byDept.set(d, []);
        byDept.get(d).push(c);
    }
    const items = [];
    for (const [dept, list] of byDept) {
        const ul = el('ul');
        for (const c of list) {
            const meta = styled.get(c.id);
            const title = (lang === 'zh' && c.titleZh) || c.title || c.id;
            const box = el('input', {type: 'checkbox', checked: true, id: `layer-${c.id}`});
            box.dataset.collection = c.id;
            box.addEventListener('change', () => {
                for (const id of meta.layers) map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
            });
            const bbox = c.extent?.spatial?.bbox?.[0];
            const zoom = el('button', {type: 'button', textContent: '⤢', title: t.zoomTo, disabled: !bbox});
            zoom.setAttribute('aria-label', `${t.zoomTo}: ${title}`);
            zoom.dataset.collection = c.id;
            zoom.addEventListener('click', () => zoomTo(map, bbox, meta));
            const li = el('li', {}, box, el('label', {htmlFor: box.id, textContent: title}), zoom);
            items.push({li, meta});
            ul.append(li);
        }
        const name = dept ? (lang === 'zh' && DEPARTMENTS_ZH[dept]) || dept : t.other;
        $('#layers').append(el('h3', {textContent: name}), ul);
    }
    // Grey the layers that have no features at this zoom.
    const update = () => {
        const z = map.getZoom();
        for (const {li, meta} of items) {
            const out = z < meta.minZoom || z > meta.maxZoom + 1;
            li.classList.toggle('out-of-zoom', out);
            li.title = out ? t.zoomIn : '';
        }
    };
    map.on('zoomend', update);
    update();
}

// zoomTo fits a collection's extent, closer if need be to reach the zoom
// its tiles start at.
function zoomTo(map, bbox, meta) {
    const cam = map.cameraForBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], {padding: 40, maxZoom: 17});
    if (!cam) return;
    cam.zoom = Math.max(cam.zoom, meta.minZoom);
    map.jumpTo(cam);
}

function featuresAt(map, p) {
    const box = [[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]];
    return map.queryRenderedFeatures(box).filter((f) => f.layer.metadata?.['csdi:collection'] && f.layer.type !== 'symbol');
}

function formatValue(v) {
    if (typeof v === 'boolean') return v ? t.yes : t.no;
    return String(v);
}

function showFeature(map, e, styled) {
    const hits = featuresAt(map, e.point);
    if (!hits.length) return;
    const f = hits[0]; // the topmost
    const cid = f.layer.metadata['csdi:collection'];
    const meta = styled.get(cid);
    const rows = [];
    if (f.id !== undefined) rows.push(el('tr', {}, el('th', {textContent: t.id}), el('td', {textContent: String(f.id)})));
    for (const field of meta.fields) {
        if (!(field.name in f.properties)) continue;
        rows.push(el('tr', {}, el('th', {textContent: textIn(field.title) || field.name}),
            el('td', {textContent: formatValue(f.properties[field.name])})));
    }
    const box = el('div', {className: 'csdi-popup'}, el('h4', {textContent: textIn(meta.title)}), el('table', {}, el('tbody', {}, ...rows)));
    if (f.id !== undefined) {
        // Tiles carry a feature's own id when it is a non-negative integer
        // and a hash of it otherwise; when the item is not found under
        // that id, link to the features around the click instead.
        const a = el('a', {textContent: t.open, href: `collections/${encodeURIComponent(cid)}/items/${encodeURIComponent(f.id)}`});
        a.className = 'csdi-feature-link';
        fetch(a.href, {method: 'HEAD', headers: {Accept: 'application/geo+json'}}).then((res) => {
            if (res.status === 404) {
                const d = 0.0002;
                const {lng, lat} = e.lngLat;
                a.href = `collections/${encodeURIComponent(cid)}/items?bbox=${lng - d},${lat - d},${lng + d},${lat + d}`;
                a.textContent = t.openNear;
            }
        }, () => {});
        box.append(el('p', {}, a));
    }
    new maplibregl.Popup({maxWidth: '340px'}).setLngLat(e.lngLat).setDOMContent(box).addTo(map);
}

main().catch((err) => {
    console.error(err);
    setStatus(t.failed + err.message, 'error');
});
