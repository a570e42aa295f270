// One headless DOSBox-X (or DOSBox) boot in WebAssembly, for scripts/dosx.sh.
//
//   node run.js --conf FILE --batch FILE --out DIR [--core x|plain] [--timeout S]
//               --drive X=DIR[,flat] ...
//
// --conf is a dosbox.conf without [autoexec]; --batch is RUN.BAT (CRLF), run from T:
// (a --drive T=... is needed). Each drive's host files are copied into the emulator's
// in-memory disk (folder X/, mounted as X:); ",flat" leaves out its subfolders. When the
// batch ends, new or changed files are copied back to their host folder, as a real mount
// would have written them.
//
// RUN.BAT echoes "##DOSX <n> BEGIN" before command n and "##DOSX <n> EL <code>" after it,
// and "##DOSX END" last. The console stream (what programs write to handle 1, redirected
// or not) is split on those lines into --out's OUT<n>.TXT and EL<n>.TXT; STREAM.TXT keeps
// all of it and SECONDS the wall time of the boot.
//
// Exit: 0 the batch ended, 3 the wasm trapped (retry the boot), 124 timeout, 2 other.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, 'node_modules', 'emulators', 'dist') + '/';
const END = '##DOSX END';
const PLACEHOLDER = '_DOSX_.DEL';

function parseArgs(argv) {
    const spec = { core: 'x', timeout: 300, drives: [] };
    for (let i = 0; i < argv.length; i += 2) {
        const [key, val] = [argv[i], argv[i + 1]];
        if (val === undefined) throw new Error(`${key} needs a value`);
        if (key === '--conf') spec.conf = fs.readFileSync(val);
        else if (key === '--batch') spec.batch = fs.readFileSync(val);
        else if (key === '--out') spec.out = val;
        else if (key === '--core') spec.core = val;
        else if (key === '--timeout') spec.timeout = Number(val);
        else if (key === '--drive') {
            const m = val.match(/^([A-Za-z])=(.*?)(,flat)?$/);
            if (!m) throw new Error(`bad --drive ${val}`);
            spec.drives.push({ letter: m[1].toUpperCase(), dir: m[2], recursive: !m[3] });
        } else throw new Error(`unknown option ${key}`);
    }
    if (!spec.conf || !spec.batch || !spec.out) throw new Error('--conf, --batch and --out are needed');
    if (!spec.drives.some((d) => d.letter === 'T')) throw new Error('a --drive T=DIR is needed');
    return spec;
}

function listFiles(dir, recursive, prefix = '') {
    const out = [];
    if (!fs.existsSync(dir)) return out;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const rel = prefix + e.name;
        if (e.isFile()) out.push(rel);
        else if (e.isDirectory() && recursive) out.push(...listFiles(path.join(dir, e.name), true, rel + '/'));
    }
    return out;
}

// The emulator's starting disk; `initial` remembers each host file to spot changes later.
function initialFiles(spec, initial) {
    const files = [{ path: '.jsdos/jsdos.json', contents: new Uint8Array(Buffer.from('{}')) }];
    const mounts = [];
    for (const d of spec.drives) {
        mounts.push(`mount ${d.letter.toLowerCase()} ./${d.letter}`);
        const rels = listFiles(d.dir, d.recursive);
        for (const rel of rels) {
            const contents = fs.readFileSync(path.join(d.dir, rel));
            initial.set(`${d.letter}/${rel}`, contents);
            files.push({ path: `${d.letter}/${rel}`, contents: new Uint8Array(contents) });
        }
        // An empty folder needs a file to exist here; the autoexec deletes it once mounted.
        if (rels.length === 0 && d.letter !== 'T') {
            files.push({ path: `${d.letter}/${PLACEHOLDER}`, contents: new Uint8Array(0) });
            mounts.push(`del ${d.letter}:\\${PLACEHOLDER}`);
        }
    }
    files.push({ path: 'T/RUN.BAT', contents: new Uint8Array(spec.batch) });
    const autoexec = ['', '[autoexec]', '@echo off', ...mounts, 'c:', 'call T:\\RUN.BAT', ''].join('\r\n');
    files.push({ path: '.jsdos/dosbox.conf', contents: new Uint8Array(Buffer.concat([spec.conf, Buffer.from(autoexec)])) });
    return files;
}

function walk(node, prefix, out) {
    for (const n of node.nodes || []) {
        const p = `${prefix}/${n.name}`;
        if (n.nodes) walk(n, p, out);
        else out.push(p);
    }
    return out;
}

// New or changed files go back to their host folder (RUN.BAT and the folder markers do not).
async function copyBack(ci, spec, initial) {
    const tree = await ci.fsTree();
    for (const d of spec.drives) {
        const sub = (tree.nodes || []).find((n) => n.name === d.letter);
        if (!sub) continue;
        for (const p of walk(sub, d.letter, [])) {
            const rel = p.slice(2);
            if (rel === PLACEHOLDER || p === 'T/RUN.BAT' || (!d.recursive && rel.includes('/'))) continue;
            const data = Buffer.from(await ci.fsReadFile(p));
            const before = initial.get(p);
            if (before && before.equals(data)) continue;
            const host = path.join(d.dir, rel);
            fs.mkdirSync(path.dirname(host), { recursive: true });
            fs.writeFileSync(host, data);
        }
    }
}

// Command n's stdout is what the stream holds, byte for byte, between the end of its BEGIN
// line and its EL marker (which follows output that did not end its line directly).
function splitStream(stream, out) {
    const write = (name, text) => fs.writeFileSync(path.join(out, name), text, 'latin1');
    const marks = /##DOSX (\d+) (?:BEGIN|EL (\d+))\r?\n?/g;
    let cur = null;
    let from = 0;
    for (let m; (m = marks.exec(stream)); ) {
        if (m[2] === undefined) {
            cur = m[1];
            from = marks.lastIndex;
        } else {
            write(`OUT${m[1]}.TXT`, stream.slice(from, m.index));
            write(`EL${m[1]}.TXT`, `${m[2]}\r\n`);
            cur = null;
        }
    }
    if (cur !== null) write(`OUT${cur}.TXT`, stream.slice(from)); // a command that never ended (a hang)
}

// The core hands each console write to JS decoded as UTF-8, which garbles DOS text (code
// page 437) and can swallow the CR LF after a byte above 127. Load the core with that one
// call made byte-exact (latin1: one char per byte); emulators.js then gets it from
// require's cache. If the package changes that line, stop rather than run garbled.
function preloadByteExactCore(file) {
    const Module = require('module');
    const from = 'message:UTF8ToString(data,amount)';
    const to = "message:Buffer.from(HEAPU8.subarray(data,data+amount)).toString('latin1')";
    const src = fs.readFileSync(file, 'utf8');
    if (src.split(from).length !== 2) throw new Error(`${file}: its console hook is not the one run.js patches`);
    const m = new Module(file, module);
    m.filename = file;
    m.paths = Module._nodeModulePaths(path.dirname(file));
    m._compile(src.replace(from, to), file);
    m.loaded = true;
    require.cache[file] = m;
}

// Where a trap happened, as C++ names from the package's symbol map: the first frames of
// the wasm stack that are not libc's.
function trapSite(err, spec) {
    const frames = [...String(err.stack).matchAll(/wasm-function\[(\d+)\]/g)].map((m) => m[1]);
    try {
        const map = fs.readFileSync(dist + (spec.core === 'plain' ? 'wdosbox.js.symbols' : 'wdosbox-x.js.symbols'), 'utf8');
        const names = new Map(map.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
        return frames.slice(0, 3).map((f) => (names.get(f) || `#${f}`).replace(/\(.*$/, '')).join(' < ');
    } catch {
        return frames.slice(0, 3).map((f) => `#${f}`).join(' < ');
    }
}

async function main() {
    const spec = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const initial = new Map();
    let stream = '';
    let ci = null;
    let finished = false;

    async function finish(code, why) {
        if (finished) return;
        finished = true;
        fs.writeFileSync(path.join(spec.out, 'STREAM.TXT'), stream, 'latin1');
        // After a trap the instance is broken; after a timeout it still answers, so the
        // files written so far are worth having.
        if (ci && code !== 3) {
            const late = new Promise((resolve) => setTimeout(resolve, 10000));
            await Promise.race([copyBack(ci, spec, initial), late]).catch(() => {});
        }
        splitStream(stream, spec.out);
        if (why) process.stderr.write(`dosx: ${why}\n`);
        fs.writeFileSync(path.join(spec.out, 'SECONDS'), `${((Date.now() - started) / 1000).toFixed(2)}\n`);
        // exit() can hang in a broken instance: do not wait for it.
        process.exit(code);
    }
    // A trap inside the wasm surfaces as a WebAssembly.RuntimeError thrown from the
    // emulator's loop; anything else is a bug here.
    const onError = (err) => {
        if (err instanceof WebAssembly.RuntimeError) finish(3, `the emulator trapped: ${err.message} in ${trapSite(err, spec)}`);
        else finish(2, `${(err && err.stack) || err}`);
    };
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    setTimeout(() => finish(124), spec.timeout * 1000);

    preloadByteExactCore(dist + (spec.core === 'plain' ? 'wdosbox.js' : 'wdosbox-x.js'));
    require(dist + 'emulators.js');
    const emulators = globalThis.emulators;
    emulators.pathPrefix = dist;
    const files = initialFiles(spec, initial);
    ci = await (spec.core === 'plain' ? emulators.dosboxNode(files) : emulators.dosboxXNode(files));
    // A panic (e.g. a bad disk image) ends the boot at once rather than at the timeout.
    ci.events().onMessage((type, text) => {
        if (type === 'error' && String(text).startsWith('[panic]')) finish(2, String(text));
    });
    ci.events().onStdout((s) => {
        stream += s;
        if (stream.slice(-(s.length + END.length)).includes(END)) finish(0);
    });
}

main().catch((e) => {
    process.stderr.write(`dosx: ${e.stack || e}\n`);
    process.exit(2);
});
