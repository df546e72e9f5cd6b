// keywarden HTML report: renders the identity table and identity pages from
// the JSON data block. Data is only ever placed with DOM text APIs
// (textContent, createTextNode, property assignment): never innerHTML.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('kw-data').textContent);
  var ids = data.identities;
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var PAGE_SIZE = 100;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function sevRank(s) { return s ? SEVERITIES.length - SEVERITIES.indexOf(s) : 0; }

  /** An element with text children; `props` are DOM properties (className, id, hidden, ...). */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) { node[k] = props[k]; });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  /** Links only ever point inside the page, built from an index, never from data. */
  function identityLink(n) { return el('a', { href: '#identity-' + n }, ids[n].name); }
  function badge(severity) {
    return severity ? el('span', { className: 'sev sev-' + severity }, severity[0].toUpperCase() + severity.slice(1)) : el('span', { className: 'sev sev-none' }, 'none open');
  }
  function day(iso) { return iso ? String(iso).slice(0, 10) : ''; }
  function isOpen(f) { return !f.suppression || f.suppression.expired; }

  // ---- indexes, built once: filters and drill-down read these, never rescan the findings
  var findingsOf = ids.map(function () { return []; });
  data.findings.forEach(function (f, n) { findingsOf[f.identity].push(n); });
  // Evidence and suggestions are most of the file: parsed on the first identity page, not at load.
  var detailData = null;
  var suggestionsOf = null;
  function details() {
    if (!detailData) {
      detailData = JSON.parse(document.getElementById('kw-detail').textContent);
      suggestionsOf = ids.map(function () { return []; });
      detailData.suggestions.forEach(function (s, n) { suggestionsOf[s.identity].push(n); });
    }
    return detailData;
  }

  var DIMENSIONS = ['provider', 'account', 'env', 'agent', 'severity', 'rule'];
  var index = {};
  DIMENSIONS.forEach(function (d) { index[d] = new Map(); });
  function addTo(dim, value, i) {
    var members = index[dim].get(value);
    if (!members) { members = new Uint8Array(ids.length); index[dim].set(value, members); }
    members[i] = 1;
  }
  var haystack = new Array(ids.length);
  ids.forEach(function (id, i) {
    addTo('provider', id.provider, i);
    addTo('account', id.account, i);
    addTo('env', id.env, i);
    addTo('agent', id.agent ? 'agent' : 'not-agent', i);
    findingsOf[i].forEach(function (n) {
      var f = data.findings[n];
      if (isOpen(f)) addTo('severity', f.severity, i);
      addTo('rule', f.ruleId, i);
    });
    // A summary row (a report too large for every identity's detail) carries what its findings' filters need.
    if (id.summaryOnly) {
      id.openSeverities.forEach(function (sev) { addTo('severity', sev, i); });
      id.rules.forEach(function (rule) { addTo('rule', rule, i); });
    }
    haystack[i] = (id.name + '\n' + id.arn).toLowerCase();
  });

  // ---- filter controls: options come from the indexes, labels are text
  var accountAlias = new Map();
  ids.forEach(function (id) { if (id.alias) accountAlias.set(id.account, id.alias); });
  var ruleTitle = new Map(data.rules.map(function (r) { return [r.id, r.title]; }));
  var LABELS = {
    agent: function (v) { return v === 'agent' ? 'agents and automation' : 'not attributed to an agent'; },
    account: function (v) { return accountAlias.has(v) ? v + ' (' + accountAlias.get(v) + ')' : v; },
    rule: function (v) { return ruleTitle.has(v) ? v + ': ' + ruleTitle.get(v) : v; },
  };
  var controls = {};
  DIMENSIONS.forEach(function (d) {
    var select = document.getElementById('f-' + d);
    var values = Array.from(index[d].keys());
    if (d === 'severity') values.sort(function (a, b) { return sevRank(b) - sevRank(a); }); else values.sort();
    values.forEach(function (v) { select.appendChild(el('option', { value: v }, LABELS[d] ? LABELS[d](v) : v)); });
    select.addEventListener('change', refilter);
    controls[d] = select;
  });
  var textInput = document.getElementById('f-text');
  textInput.addEventListener('input', refilter);
  document.getElementById('f-clear').addEventListener('click', function () {
    DIMENSIONS.forEach(function (d) { controls[d].value = ''; });
    textInput.value = '';
    refilter();
  });

  // ---- table state
  var state = { rows: [], page: 0, sortKey: null, sortDir: 1 };
  var SORT = {
    name: function (i) { return ids[i].name.toLowerCase(); },
    account: function (i) { return ids[i].account; },
    env: function (i) { return ids[i].env; },
    kind: function (i) { return ids[i].kind; },
    worst: function (i) { return sevRank(ids[i].worst); },
    open: function (i) { return ids[i].open; },
    ratio: function (i) { return ids[i].granted ? ids[i].used / ids[i].granted : -1; },
    lastUsed: function (i) { return ids[i].lastUsed ? ids[i].lastUsed.at : ''; },
  };

  function refilter() {
    var active = DIMENSIONS.filter(function (d) { return controls[d].value !== ''; }).map(function (d) {
      return index[d].get(controls[d].value) || new Uint8Array(ids.length);
    });
    var text = textInput.value.trim().toLowerCase();
    var rows = [];
    outer: for (var i = 0; i < ids.length; i++) {
      for (var a = 0; a < active.length; a++) if (!active[a][i]) continue outer;
      if (text && haystack[i].indexOf(text) < 0) continue;
      rows.push(i);
    }
    state.rows = rows;
    state.page = 0;
    sortRows();
    renderTable();
  }

  function sortRows() {
    if (!state.sortKey) return; // data order: worst first
    var key = SORT[state.sortKey];
    var keys = new Map(state.rows.map(function (i) { return [i, key(i)]; }));
    var dir = state.sortDir;
    state.rows.sort(function (a, b) {
      var ka = keys.get(a), kb = keys.get(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a - b) * dir;
    });
  }

  document.querySelectorAll('#identity-table th[data-sort]').forEach(function (th) {
    th.querySelector('button').addEventListener('click', function () {
      var key = th.getAttribute('data-sort');
      state.sortDir = state.sortKey === key ? -state.sortDir : (key === 'worst' || key === 'open' ? -1 : 1);
      state.sortKey = key;
      document.querySelectorAll('#identity-table th[data-sort]').forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', state.sortDir > 0 ? 'ascending' : 'descending');
      sortRows();
      state.page = 0;
      renderTable();
    });
  });

  var tbody = document.querySelector('#identity-table tbody');
  var pageInfo = document.getElementById('p-info');
  var prev = document.getElementById('p-prev');
  var next = document.getElementById('p-next');
  prev.addEventListener('click', function () { if (state.page > 0) { state.page--; renderTable(); } });
  next.addEventListener('click', function () { if ((state.page + 1) * PAGE_SIZE < state.rows.length) { state.page++; renderTable(); } });

  /** Only one page of rows is in the DOM at a time: 10,000 identities stay responsive. */
  function renderTable() {
    var start = state.page * PAGE_SIZE;
    var slice = state.rows.slice(start, start + PAGE_SIZE);
    tbody.replaceChildren.apply(tbody, slice.map(function (i) {
      var id = ids[i];
      return el('tr', null,
        el('th', { scope: 'row', className: 'wrap' }, identityLink(i), id.agent ? [' ', el('span', { className: 'tag-agent' }, 'agent')] : null),
        el('td', null, id.account),
        el('td', null, id.env),
        el('td', null, id.kind),
        el('td', null, badge(id.worst)),
        el('td', { className: 'num' }, id.open),
        el('td', { className: 'num' }, id.used + ' / ' + id.granted),
        el('td', null, id.lastUsed ? day(id.lastUsed.at) + ' (' + id.lastUsed.source + ')' : id.status === 'unknown' ? 'unknown' : 'never seen'));
    }));
    var total = state.rows.length;
    document.getElementById('result-count').textContent = total === ids.length
      ? total + ' identities'
      : total + ' of ' + ids.length + ' identities match the filters';
    pageInfo.textContent = total ? 'rows ' + (start + 1) + '–' + Math.min(total, start + PAGE_SIZE) + ' of ' + total : 'no rows';
    prev.disabled = state.page === 0;
    next.disabled = start + PAGE_SIZE >= total;
  }

  // ---- identity page
  var overview = document.getElementById('overview');
  var list = document.getElementById('identities');
  var detail = document.getElementById('identity-detail');

  function dl(pairs) {
    return el('dl', { className: 'kv' }, pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null && p[1] !== ''; }).map(function (p) {
      return [el('dt', null, p[0]), el('dd', null, p[1])];
    }));
  }

  /** Horizontal bars (used / unused / unknown), all on one scale so sizes compare. */
  function barsPicture(title, rows) {
    var rowH = 22, labelW = 190, barW = 470, width = labelW + barW + 90;
    var max = Math.max.apply(null, rows.map(function (r) { return r.parts.reduce(function (n, p) { return n + p.value; }, 0); }).concat([1]));
    var svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' + (rows.length * rowH + 4), role: 'img' });
    svg.setAttribute('aria-label', title);
    var table = el('table', null, el('caption', null, title));
    var head = el('tr', null, el('th', { scope: 'col' }, 'Row'));
    (rows[0] ? rows[0].parts : []).forEach(function (p) { head.appendChild(el('th', { scope: 'col' }, p.name)); });
    table.appendChild(el('thead', null, head));
    var body = el('tbody');
    rows.forEach(function (row, r) {
      var label = svgEl('text', { x: labelW - 6, y: r * rowH + 15, 'text-anchor': 'end', 'class': 'axis' });
      label.textContent = row.label;
      svg.appendChild(label);
      var at = labelW, total = 0;
      row.parts.forEach(function (p) {
        total += p.value;
        if (!p.value) return;
        var w = Math.max(barW * p.value / max, 2); // a single used action stays visible
        var rect = svgEl('rect', { x: at.toFixed(1), y: r * rowH + 4, width: w.toFixed(1), height: rowH - 8, 'class': p.cls });
        var tip = svgEl('title', {});
        tip.textContent = row.label + ': ' + p.value + ' ' + p.name;
        rect.appendChild(tip);
        svg.appendChild(rect);
        at += w;
      });
      var sum = svgEl('text', { x: at + 6, y: r * rowH + 15, 'class': 'axis' });
      sum.textContent = String(total);
      svg.appendChild(sum);
      body.appendChild(el('tr', null, el('th', { scope: 'row' }, row.label), row.parts.map(function (p) { return el('td', { className: 'num' }, p.value); })));
    });
    table.appendChild(body);
    return el('figure', { className: 'chart bars' }, el('figcaption', null, title), svg,
      el('ul', { className: 'legend' }, [['used', 's-used'], ['unused', 's-unused'], ['unknown', 's-unknown']].map(function (l) {
        return el('li', null, el('span', { className: 'swatch ' + l[1] }), l[0]);
      })),
      el('details', { className: 'chart-data' }, el('summary', null, 'Figures'), table));
  }

  var ENV_LABEL = { unknown: 'unknown (counted as production)' };
  function envLabel(e) { return ENV_LABEL[e.environment] || e.environment; }
  function usageParts(x) {
    return [{ name: 'used', cls: 's-used', value: x.used }, { name: 'unused', cls: 's-unused', value: x.unused }, { name: 'unknown', cls: 's-unknown', value: x.unknown }];
  }

  /** Granted vs used by the environment of the resources the actions are granted on. */
  function byEnvironment(id) {
    if (!id.environments.length) return null;
    var wide = id.provider === 'gcp' ? ' through project-wide bindings' : ' through * (every resource of its own account ' + id.account + ', ' + id.env + ')';
    var notes = el('ul', { className: 'env-notes' }, id.environments.map(function (e) {
      return el('li', { className: 'wrap' }, el('strong', null, envLabel(e) + ': '),
        e.granted + ' granted actions reach it' + (e.productionRisk ? ' (production risk)' : '') + ', ' + e.used + ' of them used in the window' +
          (e.everyResource ? '; ' + e.everyResource + wide : '') + '. On ',
        el('span', { className: 'mono' }, e.resources.join(', ')),
        e.resourcesOmitted ? ' and ' + e.resourcesOmitted + ' more resources' : '', '.');
    }));
    return [barsPicture('By resource environment', id.environments.map(function (e) { return { label: envLabel(e), parts: usageParts(e) }; })),
      el('p', { className: 'muted' }, 'An action granted on resources of several environments counts in each; "used" means used in the window on some resource.'),
      notes];
  }

  function grantedVsUsed(id) {
    var services = id.services.map(function (s) {
      return { label: s.service, parts: usageParts(s) };
    });
    if (id.servicesOmitted) {
      var o = id.servicesOmitted;
      services.push({ label: o.services + ' more services', parts: usageParts(o) });
    }
    var levels = id.levels.map(function (l) {
      var rest = Math.max(0, l.granted - l.used - l.unused);
      return { label: l.level, parts: [{ name: 'used', cls: 's-used', value: l.used }, { name: 'unused', cls: 's-unused', value: l.unused }, { name: id.servicesOmitted ? 'unknown or in unlisted services' : 'unknown', cls: 's-unknown', value: rest }] };
    });
    var ratio = id.granted ? Math.round(1000 * id.used / id.granted) / 10 + '%' : 'nothing granted';
    return el('section', null, el('h3', null, 'Granted vs used'),
      el('p', null, id.used + ' of ' + id.granted + ' granted actions used (' + ratio + '), ' + id.unused + ' unused, ' + id.unknown +
        ' unknown (no source observes them); ' + id.unrestricted + ' granted on every resource. Environment: ' + id.env +
        (id.envHow ? ' (' + id.envHow + ')' : '') + '.'),
      services.length ? barsPicture('By service', services) : el('p', null, 'No services granted.'),
      levels.length ? barsPicture('By access level', levels) : null,
      byEnvironment(id));
  }

  function credentialsTable(id) {
    if (!id.credentials.length) return el('p', null, 'No credentials of its own (it is assumed or impersonated).');
    var head = ['Credential', 'Kind', 'Active', 'Created', 'Rotated', 'Last used', 'Service / region', 'Age (days)', 'Calls in window'];
    return el('table', null, el('caption', null, 'Credentials and when each was last used'),
      el('thead', null, el('tr', null, head.map(function (h) { return el('th', { scope: 'col' }, h); }))),
      el('tbody', null, id.credentials.map(function (c) {
        return el('tr', null, el('th', { scope: 'row', className: 'wrap mono' }, c.id), el('td', null, c.kind),
          el('td', null, c.active === null ? 'unknown' : c.active ? 'yes' : 'no'), el('td', null, day(c.createdAt)), el('td', null, day(c.rotatedAt)),
          el('td', null, c.lastUsedAt ? day(c.lastUsedAt) : 'never seen'),
          el('td', null, [c.lastUsedService, c.lastUsedRegion].filter(Boolean).join(' / ')),
          el('td', { className: 'num' }, c.ageDays === undefined ? '' : c.ageDays), el('td', { className: 'num' }, c.calls));
      })));
  }

  function valueText(v) {
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }

  function reachPath(hops) {
    return el('ol', { className: 'hops', ariaLabel: 'reach path' }, hops.map(function (h) {
      return el('li', { className: 'wrap' }, el('span', { className: 'mono' }, h.from), el('span', { className: 'edge' }, h.edge), '→ ',
        el('span', { className: 'mono' }, h.to),
        h.grantedBy && h.grantedBy.length ? el('div', { className: 'muted' }, 'allowed by: ' + h.grantedBy.join('; ')) : null);
    }));
  }

  function evidenceItem(e) {
    var detailNode = null;
    if (e.kind === 'reach-path' && e.detail && Array.isArray(e.detail.hops)) detailNode = reachPath(e.detail.hops);
    else if (e.detail) {
      detailNode = el('details', null, el('summary', null, 'detail'), dl(Object.keys(e.detail).map(function (k) {
        var v = e.detail[k];
        return [k, Array.isArray(v) ? el('ul', null, v.map(function (x) { return el('li', { className: 'wrap' }, valueText(x)); })) : el('span', { className: 'wrap' }, valueText(v))];
      })));
    }
    return el('li', null, el('strong', null, e.kind + ': '), el('span', { className: 'wrap' }, e.summary), detailNode);
  }

  function findingBlock(n) {
    var f = data.findings[n];
    var s = f.suppression;
    var suppression = s ? el('p', { className: 'suppression' }, s.expired ? 'Suppression EXPIRED (open again): ' : 'Suppressed: ', s.reason,
      ' (owner ' + s.owner + (s.expires ? ', expires ' + s.expires : '') + '; ' + s.source + ')') : null;
    return el('article', { className: 'finding f-' + f.severity + (isOpen(f) ? '' : ' suppressed') },
      el('h4', null, badge(f.severity), ' ', f.title),
      el('p', { className: 'muted wrap' }, 'rule ' + f.ruleId + (f.credentialId ? ' · credential ' + f.credentialId : '') + (f.granular ? ' · ' + f.granular : '') + ' · fingerprint ' + f.fingerprint.slice(0, 16)),
      suppression,
      el('ul', { className: 'evidence' }, details().evidence[n].map(evidenceItem)));
  }

  var copyStatus = el('span', { className: 'visually-hidden', id: 'copy-live' });
  copyStatus.setAttribute('aria-live', 'polite');
  document.body.appendChild(copyStatus);

  function legacyCopy(text) {
    var area = el('textarea', { value: text, readOnly: true, className: 'visually-hidden' });
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('copy refused');
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text).catch(function () { legacyCopy(text); });
    return new Promise(function (resolve) { legacyCopy(text); resolve(); });
  }
  function copyButton(label, text) {
    var status = el('span', { className: 'copy-status' });
    var button = el('button', { type: 'button', className: 'copy' }, label);
    button.addEventListener('click', function () {
      copyText(text).then(function () { status.textContent = 'copied'; copyStatus.textContent = label + ': copied'; },
        function () { status.textContent = 'copy failed: select the text instead'; });
    });
    return [button, status];
  }

  function stepsBlock(title, steps) {
    if (!steps.length) return null;
    return el('div', null, el('h5', null, title), steps.map(function (st) {
      var commands = st.commands.join('\n');
      return el('div', { className: 'step' },
        el('p', null, 'Stage ' + st.stage + (st.waitDays ? ' (after observing ' + st.waitDays + ' days)' : '') + ': ', st.description),
        el('pre', { className: 'cmd' }, el('code', null, commands)),
        st.commands.length ? copyButton('Copy ' + title.toLowerCase() + ' commands, stage ' + st.stage, commands) : null);
    }));
  }

  function suggestionBlock(s) {
    var replacement = s.replacement ? el('div', null, el('h5', null, 'Replacement (' + s.replacement.format + ')'),
      el('pre', { className: 'cmd' }, el('code', null, JSON.stringify(s.replacement.document, null, 2))),
      copyButton('Copy replacement document', JSON.stringify(s.replacement.document, null, 2)),
      s.replacement.coarse.length ? el('p', { className: 'muted' }, 'Wider than observed use: ' + s.replacement.coarse.join(', ')) : null) : null;
    return el('article', { className: 'finding suggestion' },
      el('h4', null, s.title),
      el('p', { className: 'muted wrap' }, s.kind + (s.status ? ' · ' + s.status : '') + (s.credentialId ? ' · credential ' + s.credentialId : '') + ' · resolves ' + s.resolves.length + ' finding(s)'),
      el('p', null, el('strong', null, 'What may break: '), s.risk),
      s.evidence.length ? el('ul', { className: 'evidence' }, s.evidence.map(evidenceItem)) : null,
      stepsBlock('Steps', s.steps), stepsBlock('Rollback', s.rollback), replacement);
  }

  /** An identity beyond the page's detail budget: what the page knows, and where the rest is. */
  function renderSummaryOnly(id) {
    var limit = data.limited;
    detail.replaceChildren(
      el('p', null, el('a', { href: '#identities' }, '← All identities')),
      el('h2', { className: 'wrap', id: 'detail-title', tabIndex: -1 }, id.name, id.agent ? [' ', el('span', { className: 'tag-agent' }, 'agent')] : null),
      el('p', { className: 'alert limit-notice', id: 'summary-only' },
        el('strong', null, 'Summary only. '),
        'This report has ' + limit.identities + ' identities; to stay usable in a browser it carries full detail for the ' + limit.detailIdentities +
        ' with the worst open findings. The findings, evidence, services, credentials and suggestions of this identity are in ',
        limit.jsonReport ? ['the JSON report ', el('code', null, limit.jsonReport)] : 'the JSON report (--format json)',
        ', under its ARN.'),
      dl([
        ['ARN', el('span', { className: 'mono wrap' }, id.arn)],
        ['Kind', id.provider + ' ' + id.kind],
        ['Account', id.alias ? id.account + ' (' + id.alias + ')' : id.account],
        ['Environment', id.env],
        ['Agent', id.agent ? 'yes' : 'not attributed to an agent'],
        ['Used in window', id.status + (id.lastUsed ? ', last ' + id.lastUsed.at + ' (' + id.lastUsed.source + ')' : '')],
        ['Granted actions', id.granted + ': ' + id.used + ' used, ' + id.unused + ' unused, ' + id.unknown + ' unknown'],
        ['Findings', id.open + ' open (worst: ' + (id.worst || 'none') + '), ' + id.suppressed + ' suppressed'],
        ['Open severities', id.openSeverities.join(', ')],
        ['Rules', id.rules.length ? el('ul', null, id.rules.map(function (r) { return el('li', null, LABELS.rule(r)); })) : 'none'],
      ]));
    document.title = id.name + ' · keywarden report';
  }

  function renderDetail(n) {
    var id = ids[n];
    if (id.summaryOnly) { renderSummaryOnly(id); return; }
    var info = details();
    var findings = findingsOf[n];
    var suggestions = suggestionsOf[n].map(function (k) { return info.suggestions[k]; });
    detail.replaceChildren(
      el('p', null, el('a', { href: '#identities' }, '← All identities')),
      el('h2', { className: 'wrap', id: 'detail-title', tabIndex: -1 }, id.name, id.agent ? [' ', el('span', { className: 'tag-agent' }, 'agent')] : null),
      dl([
        ['ARN', el('span', { className: 'mono wrap' }, id.arn)],
        ['Kind', id.provider + ' ' + id.kind],
        ['Account', id.alias ? id.account + ' (' + id.alias + ')' : id.account],
        ['Environment', id.env + (id.envHow ? ' (' + id.envHow + ')' : '')],
        ['Agent', id.agent ? 'yes: ' + id.agentReasons.join('; ') : 'not attributed to an agent'],
        ['Used in window', id.status + (id.lastUsed ? ', last ' + id.lastUsed.at + ' (' + id.lastUsed.source + ')' : '')],
        ['Tags', id.tags.length ? el('ul', null, id.tags.map(function (t) { return el('li', { className: 'wrap' }, t[0] + ' = ' + t[1]); })) : 'none'],
        ['Policies', id.policies.length ? el('ul', null, id.policies.map(function (p) { return el('li', { className: 'wrap' }, p.name + ' (' + p.kind + (p.group ? ', via group ' + p.group : '') + ')'); })) : 'none'],
        ['Errors', id.errors.length ? el('ul', null, id.errors.map(function (e) { return el('li', null, e); })) : ''],
      ]),
      grantedVsUsed(id),
      el('section', null, el('h3', null, 'Credentials'), credentialsTable(id)),
      el('section', null, el('h3', null, 'Findings (' + id.open + ' open, ' + id.suppressed + ' suppressed)'),
        findings.length ? findings.map(findingBlock) : el('p', null, 'No findings.')),
      el('section', null, el('h3', null, 'Suggestions'),
        suggestions.length ? suggestions.map(suggestionBlock) : el('p', null, 'No suggestions in this report.')));
    document.title = id.name + ' · keywarden report';
  }

  var baseTitle = document.title;
  function route() {
    var m = /^#identity-(\d+)$/.exec(location.hash);
    var n = m ? Number(m[1]) : -1;
    var showDetail = n >= 0 && n < ids.length;
    overview.hidden = showDetail;
    list.hidden = showDetail;
    detail.hidden = !showDetail;
    if (showDetail && !document.getElementById('kw-detail')) {
      // The evidence block follows this script: in a very large report the parser may not be there yet.
      detail.replaceChildren(el('p', null, 'Loading evidence…'));
      document.addEventListener('DOMContentLoaded', route, { once: true });
    } else if (showDetail) {
      renderDetail(n);
      document.getElementById('detail-title').focus({ preventScroll: true });
      window.scrollTo(0, 0);
    } else {
      document.title = baseTitle;
      detail.replaceChildren();
      var target = location.hash && document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
  }
  window.addEventListener('hashchange', route);

  refilter();
  route();
  // Interactive from here: tests wait for the attribute, the benchmark reads the mark.
  performance.mark('keywarden-ready');
  document.documentElement.setAttribute('data-ready', 'true');
})();
