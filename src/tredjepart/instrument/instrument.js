(function (config) {
  /* tredjepart in-page instrument (docs/instrument.md). Injected by the proxy, only when the tester turned it
     on, as the first script of every HTML document. It records which script stores or reads what on the device
     (document.cookie, cookieStore, localStorage, sessionStorage, IndexedDB, Cache API) and which script sends
     beacons, fetch and XHR requests, and posts that in batches to the proxy's control host. Values go only to
     the proxy, which keeps a keyed hash and drops them. Rules: every wrapper calls the original with the same
     `this` and arguments and returns its result or throws its exception; the instrument itself never throws
     into the page; builtins are captured before the page runs, so a page that replaces them later cannot break
     the reports. The first statement below is the probe that tells the instrument its own place in stack
     traces (script.py counts its line); keep it first. */
  'use strict';
  var PROBE = new Error().stack;
  var W = window;
  var KEY = Symbol.for('tredjepart.instrument');
  function removeElement() {  // our script, and the copy of <meta charset> inject.py may have put in front of it
    try {
      var me = document.currentScript, meta = me && me.previousElementSibling;
      if (meta && meta.tagName === 'META' && meta.hasAttribute('data-tredjepart')) { meta.parentNode.removeChild(meta); }
      if (me && me.parentNode) { me.parentNode.removeChild(me); }
    } catch (x) { }
  }
  if (W[KEY]) { removeElement(); return; }  // a second copy, or a frame the parent's instrument already covers
  var O = Object, R = Reflect, S = String, E = Error, P = Proxy, WM = WeakMap;
  var defineProperty = O.defineProperty, getDescriptor = O.getOwnPropertyDescriptor, hasOwn = O.prototype.hasOwnProperty;
  var apply = R.apply, rGet = R.get, rSet = R.set, rDelete = R.deleteProperty, setProto = O.setPrototypeOf;
  var stringify = JSON.stringify, floor = Math.floor, Request_ = W.Request, Params_ = W.URLSearchParams, URL_ = W.URL;
  var uncurry = function (f) { return apply(Function.prototype.bind, Function.prototype.call, [f]); };
  var slice = uncurry(S.prototype.slice), indexOf = uncurry(S.prototype.indexOf), split = uncurry(S.prototype.split);
  var lastIndexOf = uncurry(S.prototype.lastIndexOf), trim = uncurry(S.prototype.trim);
  var upper = uncurry(S.prototype.toUpperCase);
  var exec = uncurry(RegExp.prototype.exec), join = uncurry(Array.prototype.join), owns = uncurry(hasOwn);
  var mapGet = uncurry(WM.prototype.get), mapSet = uncurry(WM.prototype.set);
  var perf = W.performance, perfNow = uncurry(W.Performance.prototype.now);
  var setTimer = W.setTimeout, listen = uncurry(W.EventTarget.prototype.addEventListener);
  var beacon = W.Navigator && W.Navigator.prototype.sendBeacon, nav = W.navigator, fetchOriginal = W.fetch;
  var loc = W.location, doc = W.document;
  var locGet = function (name) { try { return S(loc[name]); } catch (x) { return ''; } };
  var pageUrl = function () { return locGet('origin') + locGet('pathname') + locGet('search'); };
  var docUrl = locGet('href'), docUrlBare = split(docUrl, '#')[0];
  var LIMIT = { value: config.max_value || 4096, events: config.max_events || 2000, batchChars: config.batch_chars || 16000,
                batchEvents: config.batch_events || 50, flushMs: config.flush_ms || 1000, frames: 8 };
  var EXTENSION = /^(chrome|moz|safari|safari-web|ms-browser)-extension:|^webkit-masked-url:/;

  function stackText() {
    var limit, prepare, swapLimit = false, swapPrepare = false, text = '';
    try {
      if (owns(E, 'stackTraceLimit') && E.stackTraceLimit < 40) { limit = E.stackTraceLimit; E.stackTraceLimit = 40; swapLimit = true; }
      if (owns(E, 'prepareStackTrace')) { prepare = E.prepareStackTrace; E.prepareStackTrace = undefined; swapPrepare = true; }
    } catch (x) { /* a frozen Error: take what comes */ }
    try { text = new E().stack; } catch (x) { text = ''; }
    try { if (swapLimit) { E.stackTraceLimit = limit; } if (swapPrepare) { E.prepareStackTrace = prepare; } } catch (x) { }
    return typeof text === 'string' ? text : '';
  }

  // One stack line to {file, line, evaled}, or null. V8: "at fn (FILE:L:C)", "at FILE:L:C",
  // "at eval (eval at fn (FILE:L:C), <anonymous>:1:1)". SpiderMonkey: "fn@FILE:L:C", "@FILE line 2 > eval:1:1".
  // JavaScriptCore: "fn@FILE:L:C", "global code@FILE:L:C", "eval code@", "fn@[native code]".
  function parseFrame(raw) {
    var text = trim(S(raw)), where, evaled = false, at, m;
    if (slice(text, 0, 3) === 'at ') {
      where = slice(text, 3);
      if (slice(where, 0, 6) === 'async ') { where = slice(where, 6); }
      if (slice(where, -1) === ')' && (at = indexOf(where, ' (')) >= 0) { where = slice(where, at + 2, -1); }
      if (slice(where, 0, 8) === 'eval at ') {
        evaled = true;
        var close = indexOf(where, ')');
        if (close < 0) { return null; }
        where = slice(where, lastIndexOf(where, '(', close) + 1, close);
      }
    } else {
      at = indexOf(text, '@');
      if (at < 0) { return null; }
      where = slice(text, at + 1);
      var gt = indexOf(where, ' line ');
      var evalLine = gt > 0 && indexOf(where, ' > ', gt) > 0 && exec(/^ line (\d+)/, slice(where, gt));
      if (evalLine) { evaled = true; where = slice(where, 0, gt) + ':' + evalLine[1]; }
    }
    m = exec(/^(.*?)(?::(\d+))?(?::(\d+))?$/, where);
    if (!m || !exec(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, m[1])) { return null; }  // a URL, not <anonymous>, native or "index 0"
    return { file: m[1], line: m[2] ? +m[2] : 0, evaled: evaled };
  }

  function frames(text) {
    var lines = split(text, '\n'), out = [];
    for (var i = 0; i < lines.length && i < 60; i++) { var f = parseFrame(lines[i]); if (f) { out[out.length] = f; } }
    return out;
  }

  // The instrument's own frames: the probe's file and the line range the script occupies in it.
  var own = (function () {
    var first = frames(PROBE)[0];
    if (!first) { return { file: '', from: 0, to: -1 }; }
    var start = first.line - (config.probe_line || 0);
    return { file: first.file, from: start, to: start + (config.lines || 100000) - 1 };
  })();

  // The scripts on the stack, innermost first: [{url, kind}] with kind file, inline, eval or extension.
  function scriptsOnStack(text, realmUrl) {
    var all = frames(text), out = [], seen = O.create(null);
    for (var i = 0; i < all.length && out.length < LIMIT.frames; i++) {
      var f = all[i];
      if (!f.evaled && f.file === own.file && f.line >= own.from && f.line <= own.to) { continue; }  // the instrument uses no eval
      var bare = split(f.file, '#')[0], kind = f.evaled ? 'eval' : 'file', url = slice(f.file, 0, 2048);
      if (exec(EXTENSION, f.file)) { kind = 'extension'; }
      else if (bare === docUrlBare || bare === split(locGet('href'), '#')[0] || bare === realmUrl) { url = bare; kind = f.evaled ? 'eval' : 'inline'; }
      var id = kind + ' ' + url;
      if (owns(seen, id)) { continue; }
      seen[id] = true;
      out[out.length] = { url: url, kind: kind };
    }
    return out;
  }

  if (config.selftest) { return { parseFrame: parseFrame, frames: frames, scriptsOnStack: scriptsOnStack, own: own }; }

  // Reports: queued, batched, sent with sendBeacon (text/plain: no preflight), fetch when that refuses.
  var queue = [], queued = 0, recorded = 0, dropped = 0, seq = 0, timer = null, busy = false, readsSeen = O.create(null);
  var top = false;
  try { top = W.top === W; } catch (x) { top = false; }

  function q(v) { return v === null || v === undefined ? 'null' : stringify(typeof v === 'number' ? (v === v ? v : null) : S(v)); }

  function flush() {
    timer = null;
    if (!queue.length && !dropped) { return; }
    var body = '{"v":1,"token":' + q(config.token) + ',"page":' + q(pageUrl()) + ',"frame":' + q(locGet('origin')) +
      ',"top":' + (top ? 'true' : 'false') + ',"seq":' + (seq++) + ',"dropped":' + dropped + ',"now":' + q(floor(perfNow(perf))) +
      ',"events":[' + join(queue, ',') + ']}';
    queue = []; queued = 0; dropped = 0;
    try {
      if (!(beacon && apply(beacon, nav, [config.report, body])) && fetchOriginal) {
        apply(fetchOriginal, W, [config.report, { method: 'POST', body: body, mode: 'no-cors', credentials: 'omit', keepalive: true }])
          .then(undefined, function () {});
      }
    } catch (x) { /* reports are best effort; the page goes on */ }
  }

  // `realm`: the window whose API was called, when not this one (a frame a script reached into, or a frame's
  // document that took over a window this instrument had already covered): its document goes with the event.
  function record(realm, kind, op, key, value, length) {
    if (busy) { return; }
    busy = true;
    try {
      var doc = null;
      if (realm !== W) { try { var l = realm.location; if (slice(S(l.protocol), 0, 4) === 'http') { doc = S(l.origin) + S(l.pathname) + S(l.search); } } catch (x) { } }
      var scripts = scriptsOnStack(stackText(), doc);
      var script = scripts[0] || { url: null, kind: null };
      if (op === 'read') {
        var id = kind + '\u0000' + key + '\u0000' + script.url;
        if (owns(readsSeen, id)) { return; }
        readsSeen[id] = true;
      }
      if (recorded >= LIMIT.events) { dropped++; return; }
      recorded++;
      var stack = [];
      for (var i = 1; i < scripts.length; i++) { stack[stack.length] = q(scripts[i].url); }
      if (value !== null && value !== undefined) {
        value = S(value);
        if (length === null || length === undefined) { length = value.length; }
        if (value.length > LIMIT.value) { value = null; }
      }
      var item = '{' + (doc ? '"doc":' + q(doc) + ',' : '') + '"kind":' + q(kind) + ',"op":' + q(op) + ',"key":' + q(key === null || key === undefined ? null : slice(S(key), 0, 2048)) +
        ',"length":' + q(length === undefined ? null : length) + ',"script":' + q(script.url) + ',"script_kind":' + q(script.kind) +
        ',"stack":[' + join(stack, ',') + '],"t":' + q(floor(perfNow(perf))) + ',"value":';
      var valueText = q(value);
      if (item.length + valueText.length > LIMIT.batchChars / 2) { valueText = 'null'; }
      item += valueText + '}';
      if (queued + item.length > LIMIT.batchChars) { flush(); }
      queue[queue.length] = item; queued += item.length;
      if (queue.length >= LIMIT.batchEvents) { flush(); }
      else if (timer === null) { timer = apply(setTimer, W, [flush, LIMIT.flushMs]); }
    } catch (x) { /* never into the page */ } finally { busy = false; }
  }

  try {
    listen(W, 'pagehide', flush, true);
    listen(doc, 'visibilitychange', function () { try { if (doc.visibilityState === 'hidden') { flush(); } } catch (x) { } }, true);
  } catch (x) { }

  // Wrapping. `after(result, thisArg, args)` runs only when the original returned; its errors are swallowed.
  // Proxy handlers have no prototype: a page that adds Object.prototype.get cannot turn it into a trap.
  function traps(handler) { setProto(handler, null); return handler; }
  function wrap(fn, after, before) {
    return new P(fn, traps({ apply: function (target, thisArg, args) {
      if (before) { try { var changed = before(thisArg, args); if (changed) { thisArg = changed.thisArg; args = changed.args; } } catch (x) { } }
      var result = apply(target, thisArg, args);
      if (after) { try { after(result, thisArg, args); } catch (x) { } }
      return result;
    } }));
  }
  function patchMethod(owner, name, after, before) {
    try {
      var d = owner && getDescriptor(owner, name);
      if (!d || typeof d.value !== 'function' || !d.configurable && !d.writable) { return; }
      if (d.configurable) { defineProperty(owner, name, { value: wrap(d.value, after, before), writable: d.writable, enumerable: d.enumerable, configurable: true }); }
      else { owner[name] = wrap(d.value, after, before); }
    } catch (x) { }
  }
  function patchAccessor(owner, name, onGet, onSet, beforeSet) {
    try {
      var d = owner && getDescriptor(owner, name);
      if (!d || !d.configurable || typeof d.get !== 'function') { return; }
      defineProperty(owner, name, { get: onGet ? wrap(d.get, onGet) : d.get, set: d.set && (onSet || beforeSet) ? wrap(d.set, onSet, beforeSet) : d.set,
        enumerable: d.enumerable, configurable: true });
    } catch (x) { }
  }
  // A DOMString argument converted once, here, so its toString runs once, as without the instrument (symbols are
  // passed on: the original throws its own TypeError).
  function str(v) { return typeof v === 'symbol' ? v : S(v); }
  function asStrings(self, args) { var out = []; for (var i = 0; i < args.length; i++) { out[i] = str(args[i]); } return { thisArg: self, args: out }; }

  var areas = new WM(), proxies = new WM(), kinds = new WM(), opened = new WM();  // shared by every realm patched
  var requestUrl = Request_ && getDescriptor(Request_.prototype, 'url'), requestMethod = Request_ && getDescriptor(Request_.prototype, 'method');
  function urlOf(input) {  // a Request (of any realm: the getter checks), else a URL resolved against the page
    try { return apply(requestUrl.get, input, []); } catch (x) { }
    try { return S(new URL_(S(input), doc.baseURI)); } catch (x) { return null; }
  }

  // Every realm the page can reach its storage from: this window, and same-origin frames without an instrument
  // of their own (about:blank, srcdoc) when a script reaches into them.
  function install(W) {
  try { if (owns(W, KEY)) { return; } defineProperty(W, KEY, { value: true }); } catch (x) { return; }
  function rec(kind, op, key, value, length) { record(W, kind, op, key, value, length); }

  // document.cookie and cookieStore.
  var DELETING = /;\s*max-age\s*=\s*(-\d+|0+)\s*(;|$)|;\s*expires\s*=\s*[^;]*19[0-6]\d/i;
  patchAccessor(W.Document && W.Document.prototype, 'cookie',
    function (result) { rec('cookie', 'read', null, null, typeof result === 'string' ? result.length : null); },
    function (result, thisArg, args) {
      var text = S(args[0]), semi = indexOf(text, ';'), pair = semi < 0 ? text : slice(text, 0, semi), eq = indexOf(pair, '=');
      var name = eq < 0 ? '' : trim(slice(pair, 0, eq)), value = eq < 0 ? trim(pair) : trim(slice(pair, eq + 1));
      rec('cookie', exec(DELETING, text) ? 'delete' : 'write', name, value);
    }, asStrings);
  if (W.CookieStore) {
    var cookieArgs = function (args) { var a = args[0]; return a && typeof a === 'object' ? [a.name, a.value] : [a, args[1]]; };
    patchMethod(W.CookieStore.prototype, 'set', function (r, self, args) { var a = cookieArgs(args); rec('cookie', 'write', a[0], a[1]); });
    patchMethod(W.CookieStore.prototype, 'delete', function (r, self, args) { rec('cookie', 'delete', cookieArgs(args)[0], null); });
    patchMethod(W.CookieStore.prototype, 'get', function (r, self, args) { rec('cookie', 'read', cookieArgs(args)[0], null); });
    patchMethod(W.CookieStore.prototype, 'getAll', function (r, self, args) { rec('cookie', 'read', args.length ? cookieArgs(args)[0] : null, null); });
  }

  // localStorage and sessionStorage: the Storage methods, and property access through a Proxy of each area.
  var storageProto = W.Storage && W.Storage.prototype, rawArea = O.create(null);
  function kindOf(area) {
    var k = mapGet(kinds, area);
    if (k) { return k; }
    for (var name in rawArea) { try { if (apply(rawArea[name], W, []) === area) { mapSet(kinds, area, name); return name; } } catch (x) { } }
    return 'localStorage';
  }
  function target(self) { return mapGet(areas, self) || self; }
  var unwrapThis = function (self, args) { var t = mapGet(areas, self); return t ? { thisArg: t, args: args } : null; };
  patchMethod(storageProto, 'setItem', function (r, self, args) { rec(kindOf(target(self)), 'write', args[0], args[1]); },
    function (self, args) { return args.length >= 2 ? asStrings(target(self), [args[0], args[1]]) : unwrapThis(self, args); });
  patchMethod(storageProto, 'getItem', function (r, self, args) { if (r !== null) { rec(kindOf(target(self)), 'read', args[0], null, S(r).length); } }, unwrapThis);
  patchMethod(storageProto, 'removeItem', function (r, self, args) { rec(kindOf(target(self)), 'delete', args[0], null); }, unwrapThis);
  patchMethod(storageProto, 'clear', function (r, self) { rec(kindOf(target(self)), 'clear', null, null); }, unwrapThis);
  patchMethod(storageProto, 'key', null, unwrapThis);
  try {  // Storage's length getter, called on an area's Proxy, needs the area itself
    var lengthGetter = getDescriptor(storageProto, 'length');
    defineProperty(storageProto, 'length', { get: wrap(lengthGetter.get, null, unwrapThis), enumerable: lengthGetter.enumerable, configurable: true });
  } catch (x) { }
  function named(area, prop) { return typeof prop === 'string' && !(prop in storageProto) && owns(area, prop); }
  function areaProxy(area, kind) {
    var p = mapGet(proxies, area);
    if (p) { return p; }
    mapSet(kinds, area, kind);
    // A name the prototype has (setItem, length) becomes a plain property, as without the instrument.
    p = new P(area, traps({
      get: function (t, prop) { var v = rGet(t, prop, t); try { if (named(t, prop)) { rec(kind, 'read', prop, null, S(v).length); } } catch (x) { } return v; },
      set: function (t, prop, v) {
        if (typeof prop !== 'string' || prop in storageProto) { return rSet(t, prop, v, t); }
        var s = str(v), ok = rSet(t, prop, s, t);
        rec(kind, 'write', prop, s);
        return ok;
      },
      deleteProperty: function (t, prop) { var had = named(t, prop), ok = rDelete(t, prop); if (had) { rec(kind, 'delete', prop, null); } return ok; }
    }));
    mapSet(proxies, area, p); mapSet(areas, p, area);
    return p;
  }
  ['localStorage', 'sessionStorage'].forEach(function (name) {
    var d = getDescriptor(W, name);
    if (!d || !d.get || !d.configurable || !storageProto) { return; }
    rawArea[name] = d.get;
    try {
      defineProperty(W, name, { get: new P(d.get, traps({ apply: function (t, self, args) { return areaProxy(apply(t, self, args), name); } })),
        set: d.set, enumerable: d.enumerable, configurable: true });
    } catch (x) { }
  });
  var storageArea = W.StorageEvent && getDescriptor(W.StorageEvent.prototype, 'storageArea');
  if (storageArea && storageArea.get && storageArea.configurable) {  // e.storageArea === localStorage stays true
    try {
      defineProperty(W.StorageEvent.prototype, 'storageArea', { enumerable: storageArea.enumerable, configurable: true,
        get: new P(storageArea.get, traps({ apply: function (t, self, args) { var a = apply(t, self, args); return (a && mapGet(proxies, a)) || a; } })) });
    } catch (x) { }
  }

  // IndexedDB: databases opened and deleted, object stores written.
  var idb = W.IDBFactory && W.IDBFactory.prototype, store = W.IDBObjectStore && W.IDBObjectStore.prototype;
  patchMethod(idb, 'open', function (r, self, args) { rec('indexedDB', 'open', args[0], null); });
  patchMethod(idb, 'deleteDatabase', function (r, self, args) { rec('indexedDB', 'delete', args[0], null); });
  function storeName(self) { try { return S(self.transaction.db.name) + '/' + S(self.name); } catch (x) { return null; } }
  ['put', 'add'].forEach(function (op) {
    patchMethod(store, op, function (r, self, args) { rec('indexedDB', 'write', storeName(self), null, typeof args[0] === 'string' ? args[0].length : null); });
  });
  patchMethod(store, 'delete', function (r, self) { rec('indexedDB', 'delete', storeName(self), null); });
  patchMethod(store, 'clear', function (r, self) { rec('indexedDB', 'clear', storeName(self), null); });

  // Cache API (secure contexts only): caches opened and deleted, entries stored and looked up.
  ['open', 'delete', 'has'].forEach(function (op) {
    patchMethod(W.CacheStorage && W.CacheStorage.prototype, op, function (r, self, args) { rec('cache', op, args[0], null); });
  });
  patchMethod(W.CacheStorage && W.CacheStorage.prototype, 'match', function (r, self, args) { rec('cache', 'match', urlOf(args[0]), null); });
  ['put', 'add', 'match', 'delete'].forEach(function (op) {  // an entry's delete is 'delete-entry': 'delete' is a cache's
    patchMethod(W.Cache && W.Cache.prototype, op, function (r, self, args) { rec('cache', op === 'delete' ? 'delete-entry' : op, urlOf(args[0]), null); });
  });
  patchMethod(W.Cache && W.Cache.prototype, 'addAll', function (r, self, args) {
    var list = args[0];
    for (var i = 0; list && i < list.length && i < 10; i++) { rec('cache', 'add', urlOf(list[i]), null); }
  });

  // Beacons, fetch and XHR: the request's URL (the proxy sees the rest on the wire) and the script behind it.
  function sizeOf(data) {
    if (data === null || data === undefined) { return 0; }
    if (typeof data === 'string') { return data.length; }
    if (typeof data.byteLength === 'number') { return data.byteLength; }
    if (typeof data.size === 'number') { return data.size; }
    if (Params_ && data instanceof Params_) { return S(data).length; }
    return null;
  }
  patchMethod(W.Navigator && W.Navigator.prototype, 'sendBeacon', function (r, self, args) { rec('beacon', 'send', urlOf(args[0]), null, sizeOf(args[1])); });
  if (typeof W.fetch === 'function') {
    patchMethod(W, 'fetch', function (r, self, args) {
      var input = args[0], init = args[1], method = 'GET';
      if (init && init.method) { method = S(init.method); } else { try { method = S(apply(requestMethod.get, input, [])); } catch (x) { } }
      rec('fetch', upper(method), urlOf(input), null, init && init.body !== undefined ? sizeOf(init.body) : null);
    });
  }
  var xhrProto = W.XMLHttpRequest && W.XMLHttpRequest.prototype;
  patchMethod(xhrProto, 'open', function (r, self, args) { mapSet(opened, self, [upper(S(args[0])), urlOf(args[1])]); });
  patchMethod(xhrProto, 'send', function (r, self, args) {
    var o = mapGet(opened, self);
    if (o) { rec('xhr', o[0], o[1], null, sizeOf(args[0])); }
  });

  // Same-origin frames a script reaches into get the same wrappers (else Storage methods taken from such a frame
  // would meet this window's Proxy of localStorage and throw). A frame of another origin throws here: left alone.
  function adopt(win) { try { if (win && win.document && !owns(win, KEY)) { install(win); } } catch (x) { } }  // .document: same origin only
  [W.HTMLIFrameElement, W.HTMLFrameElement].forEach(function (element) {
    if (!element) { return; }
    patchAccessor(element.prototype, 'contentWindow', function (win) { adopt(win); });
    patchAccessor(element.prototype, 'contentDocument', function (d) { adopt(d && d.defaultView); });
  });
  }

  install(W);
  // The instrument leaves no element behind: page scripts cannot read its token or find it in <head>.
  removeElement();
})(/*CONFIG*/);
