// console.js: the operator console. It polls /nexus/status about once a
// second (only the requests it has not seen yet: ?since=) and draws it.
// Every value from the server is set as text (textContent), never as HTML.
// When client auth is on, the key is asked for in a form, kept only in this
// tab's sessionStorage and sent only in the Authorization header.
'use strict';
(function () {
  const KEY = 'nexus.clientKey';
  const POLL_MS = 800;      // a new request shows within a second
  const HIDDEN_MS = 5000;   // slower while the tab is hidden
  const RETRY_MS = 2000;
  const MAX_ROWS = 200;     // the server keeps no more either
  const SVG = 'http://www.w3.org/2000/svg';
  const REASONS = {
    'capability-match': 'first choice',
    'capacity-overflow': 'overflow: backend full',
    'privacy-requirement': 'kept in privacy zone',
    'failover': 'failed over',
    'budget-limit': 'passed over for budget',
    'none': 'not routed',
  };
  const STATE_MARK = { healthy: '✓', unhealthy: '✕', unknown: '?' };
  const $ = (id) => document.getElementById(id);
  let lastSeq = 0;
  let timer = 0;
  let polling = false; // one request at a time

  // --- formatting -------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  const int = (n) => Number(n || 0).toLocaleString('en-US');
  function ms(v) {
    if (v === null || v === undefined) return '—';
    if (v < 10) return v.toFixed(1) + ' ms';
    if (v < 1000) return Math.round(v) + ' ms';
    return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' s';
  }
  const p5095 = (p) => ms(p.p50_ms) + ' / ' + ms(p.p95_ms);
  function usd(v) {
    if (v === null || v === undefined) return '—';
    return '$' + v.toFixed(v >= 100 ? 2 : 4);
  }
  // cost of a tally: a dash when nothing in it had a price (local answers)
  const cost = (t) => (t.priced_requests ? usd(t.cost_usd) : '—');
  function ago(sec) {
    if (sec < 1) return 'just now';
    if (sec < 120) return Math.round(sec) + ' s ago';
    if (sec < 7200) return Math.round(sec / 60) + ' min ago';
    return Math.round(sec / 3600) + ' h ago';
  }
  function duration(sec) {
    const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    return m + 'm ' + Math.floor(sec % 60) + 's';
  }
  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour12: false });
  function statusWord(s) {
    if (s === 499) return 'client left';
    return s >= 400 || s === 0 ? 'failed' : 'ok';
  }

  // --- sparkline: inline SVG -------------------------------------------
  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function spark(s, bucket) {
    const W = 120, H = 30, n = s.requests.length;
    const peak = Math.max(0, ...s.requests), scale = Math.max(1, peak);
    const errBuckets = s.errors.filter((v) => v > 0).length;
    const label = 'Requests per ' + bucket + ' s over the last ' + Math.round(n * bucket / 60) +
      ' minutes: peak ' + peak + ', now ' + s.requests[n - 1] + (errBuckets ? ', errors in ' + errBuckets + ' of them' : ', no errors');
    const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', class: 'spark', role: 'img', 'aria-label': label });
    svg.appendChild(svgEl('title', {})).textContent = label;
    const pts = s.requests.map((v, i) => (i * W / (n - 1)).toFixed(1) + ',' + (H - 1 - v / scale * (H - 4)).toFixed(1));
    svg.appendChild(svgEl('polygon', { points: '0,' + H + ' ' + pts.join(' ') + ' ' + W + ',' + H }));
    svg.appendChild(svgEl('polyline', { points: pts.join(' ') }));
    s.errors.forEach((v, i) => {
      if (v > 0) svg.appendChild(svgEl('rect', { x: (i * W / (n - 1) - 0.8).toFixed(1), y: H - 4, width: 1.6, height: 4 }));
    });
    return svg;
  }

  // --- sections ---------------------------------------------------------
  function stat(k, v, bad) {
    const d = el('div', 'stat');
    d.append(el('div', 'k', k), el('div', bad ? 'v bad' : 'v', v));
    return d;
  }

  function renderGateway(d) {
    const g = d.gateway;
    $('gw-stats').replaceChildren(
      stat('Requests/s (last minute)', g.requests_per_second.toFixed(2)),
      stat('Requests', int(g.requests_5m)),
      stat('Errors', int(g.errors_5m) + ' (' + (g.error_rate * 100).toFixed(1) + '%)', g.errors_5m > 0),
      stat('In flight / queued', g.in_flight + ' / ' + g.queued),
      stat('Latency p50 / p95', p5095(g.latency)),
      stat('TTFB p50 / p95', p5095(g.ttfb)),
      stat('Cost today (UTC)', cost(d.spend.today.total)),
      stat('Cost this month', cost(d.spend.this_month.total)),
      stat('Requests since start', int(g.requests_total)));
    $('gw-spark').replaceChildren(spark(g.sparkline, d.bucket_seconds));
    const order = Object.keys(REASONS);
    const rank = (r) => (order.indexOf(r) + 1) || order.length + 1;
    const items = Object.keys(g.route_reasons).sort((a, b) => rank(a) - rank(b)).map((r) => {
      const li = el('li');
      li.append(el('span', '', r + (REASONS[r] ? ' — ' + REASONS[r] : '')), el('span', 'n', int(g.route_reasons[r])));
      return li;
    });
    $('gw-reasons').replaceChildren(...items);
    $('budgets').replaceChildren(...d.budgets.map((b) => {
      const div = el('div', 'budget');
      const pct = b.budget_usd > 0 ? b.spent_usd / b.budget_usd : 0;
      div.append(el('h3', '', (b.scope === 'client' ? 'Client ' + b.name : 'Global') + ' budget: ' + usd(b.spent_usd) +
        ' of ' + usd(b.budget_usd) + ' (' + Math.round(pct * 100) + '%), resets ' + new Date(b.resets_at).toLocaleDateString()));
      const m = el('meter');
      Object.assign(m, { min: 0, max: b.budget_usd, value: b.spent_usd, low: 0.8 * b.budget_usd, high: b.budget_usd, optimum: 0 });
      div.append(m);
      return div;
    }));
  }

  function kv(k, v, cls) {
    const d = el('div', cls, k);
    d.append(el('b', '', v));
    return d;
  }

  function backendCard(b, d, nowMs) {
    const st = STATE_MARK[b.state] ? b.state : 'unknown';
    const card = el('article', 'card ' + st);
    card.dataset.backend = b.name;
    const head = el('div', 'card-head');
    head.append(el('span', 'name', b.name), el('span', 'badge ' + st, STATE_MARK[st] + ' ' + b.state));
    const checked = b.last_check ? 'checked ' + ago((nowMs - Date.parse(b.last_check)) / 1000) : 'not checked yet';
    card.append(head, el('p', 'tags', b.backend_type + ' · ' + b.type + ' · zone ' + b.zone + ' · tier ' + b.tier +
      (b.discovered ? ' · discovered' : '')),
      el('p', 'reason', (b.reason && b.reason !== 'ok' ? b.reason + ' · ' : '') + checked));
    const grid = el('div', 'kv');
    grid.append(
      kv('In flight / max', b.in_flight + ' / ' + (b.max_concurrent || '∞')),
      kv('Queued', b.queued),
      kv('Priority', b.priority),
      kv('Requests (5 min)', int(b.requests_5m)),
      kv('Errors (5 min)', int(b.errors_5m)),
      kv('Last check took', b.last_check ? ms(b.check_ms) : '—'),
      kv('Latency p50 / p95', p5095(b.latency), 'wide'),
      kv('TTFB p50 / p95', p5095(b.ttfb), 'wide'));
    card.append(grid, spark(b.sparkline, d.bucket_seconds));
    const shown = b.models.slice(0, 8).join(', ');
    const models = el('p', 'models', b.models.length ? 'Models: ' + shown +
      (b.models.length > 8 ? ' +' + (b.models.length - 8) + ' more' : '') : 'No models known');
    models.title = b.models.join('\n');
    card.append(models);
    if (b.server_load) {
      const q = b.server_load;
      grid.append(kv('Server says', q.running + ' running' + (q.slots ? ' of ' + q.slots + ' slots' : ', ' + q.waiting + ' waiting'), 'wide'));
    }
    if (b.loaded_models) card.append(el('p', 'models', 'In memory: ' + (b.loaded_models.map(loadedText).join(', ') || 'none')));
    return card;
  }

  // a model a local server holds in memory: name, VRAM and until when
  function loadedText(m) {
    const until = m.expires_at ? ', until ' + new Date(m.expires_at).toLocaleTimeString() : '';
    return m.name + ' (' + (m.size_vram / 1073741824).toFixed(1) + ' GiB VRAM' + until + ')';
  }

  function spendTable(table, first, today, month) {
    const names = [...new Set([...today, ...month].map((r) => r.name))].sort();
    const find = (list, n) => list.find((r) => r.name === n) || { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, priced_requests: 0 };
    const cells = (t) => [int(t.requests), int(t.prompt_tokens), int(t.completion_tokens), cost(t)];
    const head = el('tr');
    [first, 'Requests today', 'Tokens in', 'Tokens out', 'Cost today', 'Requests this month', 'Tokens in', 'Tokens out', 'Cost this month']
      .forEach((h, i) => head.append(el('th', i ? 'num' : '', h)));
    const row = (name, a, b, cls) => {
      const tr = el('tr', cls);
      tr.append(el('td', '', name));
      [...cells(a), ...cells(b)].forEach((v) => tr.append(el('td', 'num', v)));
      return tr;
    };
    const rows = names.map((n) => row(n, find(today, n), find(month, n)));
    table.replaceChildren(el('thead'), el('tbody'));
    table.tHead.append(head);
    table.tBodies[0].append(...rows);
    return rows.length;
  }

  function renderSpend(d) {
    const s = d.spend;
    $('spend-period').textContent = 'today ' + s.day + ', month ' + s.month + ' (UTC), since this Nexus started';
    spendTable($('spend-backends'), 'Backend', s.today.by_backend, s.this_month.by_backend);
    const t = $('spend-backends').tBodies[0];
    const total = el('tr', 'total');
    total.append(el('td', '', 'All requests'));
    [s.today.total, s.this_month.total].forEach((x) => [int(x.requests), int(x.prompt_tokens), int(x.completion_tokens), cost(x)]
      .forEach((v) => total.append(el('td', 'num', v))));
    t.append(total);
    $('spend-clients-wrap').hidden = spendTable($('spend-clients'), 'Client', s.today.by_client, s.this_month.by_client) === 0;
  }

  const COLUMNS = ['Time', 'Request id', 'Client', 'Model', 'Backend', 'Route', 'Status', 'Tries', 'Latency', 'TTFB', 'Tokens in/out', 'Cost'];
  function recentRow(e, fresh) {
    const failed = e.status >= 400 || e.status === 0;
    const tr = el('tr', (failed ? 'failed' : '') + (fresh ? ' fresh' : ''));
    tr.dataset.seq = e.seq;
    tr.dataset.id = e.id;
    const values = [
      [clock(e.time), 'time'], [e.id, 'id'], [e.client || '—', 'client'],
      [e.model + (e.model_truncated ? '…' : '') + (e.stream ? ' (stream)' : ''), 'model'],
      [e.backend + (e.backend_type !== 'none' ? ' (' + e.backend_type + ')' : ''), 'backend'],
      [e.route_reason, 'route'], [e.status + ' ' + statusWord(e.status), 'status'], [e.attempts, 'num'],
      [ms(e.latency_ms), 'num'], [ms(e.ttfb_ms), 'num'],
      [int(e.prompt_tokens) + ' / ' + int(e.completion_tokens), 'num'], [usd(e.cost_usd), 'num'],
    ];
    values.forEach(([v, cls], i) => {
      const td = el('td', cls, v);
      td.dataset.label = COLUMNS[i];
      if (cls === 'id' || cls === 'model') td.title = v;
      tr.append(td);
    });
    return tr;
  }

  function renderRecent(d) {
    const r = d.recent, body = $('recent-body');
    if (r.last_seq < lastSeq) { // Nexus restarted: its numbering did too
      body.replaceChildren();
      lastSeq = 0;
    }
    const fresh = lastSeq > 0;
    const rows = r.entries.filter((e) => e.seq > lastSeq).map((e) => recentRow(e, fresh));
    body.prepend(...rows);
    while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
    lastSeq = Math.max(lastSeq, r.last_seq);
    $('recent-empty').hidden = body.rows.length > 0;
    $('recent-count').textContent = body.rows.length + ' shown, newest first (Nexus keeps the last ' + r.capacity + ')';
  }

  function render(d) {
    const nowMs = Date.parse(d.now);
    const healthy = d.backends.filter((b) => b.state === 'healthy').length;
    $('summary').textContent = 'version ' + d.version + ' · up ' + duration(d.uptime_seconds) + ' · ' + healthy + ' of ' +
      d.backends.length + ' backends healthy' + (d.client_auth ? ' · client auth on' : '');
    renderGateway(d);
    $('be-list').replaceChildren(...d.backends.map((b) => backendCard(b, d, nowMs)));
    renderSpend(d);
    renderRecent(d);
    $('content').hidden = false;
  }

  // --- data -------------------------------------------------------------
  function setConn(text, bad) {
    const c = $('conn');
    c.textContent = text;
    c.className = bad ? 'conn bad' : 'conn';
  }

  function schedule(fn, delay) {
    clearTimeout(timer);
    timer = setTimeout(fn, delay);
  }

  function headers() {
    const key = sessionStorage.getItem(KEY);
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      await pollOnce();
    } finally {
      polling = false;
    }
  }

  async function pollOnce() {
    const began = performance.now();
    let resp, data;
    try {
      resp = await fetch('/nexus/status?since=' + lastSeq, { headers: headers(), cache: 'no-store' });
      if (resp.status === 401) {
        sessionStorage.removeItem(KEY);
        showAuth('The key was refused (401): this Nexus does not accept it. Enter a valid client key.');
        return;
      }
      if (!resp.ok) throw new Error('HTTP ' + resp.status);
      data = await resp.json();
    } catch (err) {
      setConn('Not updating: ' + (err && err.message ? err.message : 'request failed') + ' — retrying', true);
      schedule(poll, RETRY_MS);
      return;
    }
    render(data);
    setConn('Live · updated ' + new Date().toLocaleTimeString([], { hour12: false }), false);
    const wait = (document.hidden ? HIDDEN_MS : POLL_MS) - (performance.now() - began);
    schedule(poll, Math.max(100, wait));
  }

  function showAuth(message) {
    clearTimeout(timer);
    $('content').hidden = true;
    $('auth').hidden = false;
    const e = $('auth-error');
    e.textContent = message;
    e.hidden = !message;
    setConn(message ? 'Key refused' : 'Waiting for a client key', !!message);
    $('auth-key').focus();
  }

  $('auth-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('auth-key');
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    input.value = '';
    $('auth').hidden = true;
    setConn('Checking the key…', false);
    poll();
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && timer && $('auth').hidden) schedule(poll, 0);
  });

  async function start() {
    try {
      const resp = await fetch('/health', { cache: 'no-store' });
      const h = await resp.json();
      if (h.client_auth && !sessionStorage.getItem(KEY)) {
        showAuth('');
        return;
      }
    } catch (err) {
      setConn('Cannot reach Nexus — retrying', true);
      schedule(start, RETRY_MS);
      return;
    }
    poll();
  }
  start();
})();
