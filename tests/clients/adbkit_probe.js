// Drives one phone through @devicefarmer/adbkit's public API and prints one JSON object on stdout.
// Usage: node adbkit_probe.js PORT SERIAL ACTION [ARG...]; bytes travel as base64. Not a test by itself:
// tests/clients/test_adbkit.py runs it and judges what it prints.
'use strict';

const fs = require('fs');
const Adb = require('@devicefarmer/adbkit').default;

const [port, serial, action, ...args] = process.argv.slice(2);
// adbkit ignores ANDROID_ADB_SERVER_PORT: the server's address must be given to createClient
const client = Adb.createClient({ host: '127.0.0.1', port: Number(port) });
const device = client.getDevice(serial);

function ended(transfer) {
  return new Promise((resolve, reject) => {
    transfer.on('end', resolve);
    transfer.on('error', reject);
  });
}

function statFields(stats) {
  const time = stats.mtime instanceof Date ? stats.mtime.getTime() : null;
  return {
    mode: stats.mode,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    mtimeIsDate: stats.mtime instanceof Date,
    mtimeValid: time !== null && !Number.isNaN(time),
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
  };
}

function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const actions = {
  async devices() {
    return { devices: await client.listDevices() };
  },
  async props() {
    return { props: await device.getProperties() };
  },
  async shell(command) {
    const output = await Adb.util.readAll(await device.shell(command));
    return { output: output.toString('base64') };
  },
  async push(local, remote, mode) {
    await ended(await device.push(local, remote, parseInt(mode, 8)));
    return { pushed: remote };
  },
  async pull(remote) {
    const data = await Adb.util.readAll(await device.pull(remote));
    return { data: data.toString('base64') };
  },
  async stat(remote) {
    return statFields(await device.stat(remote));
  },
  async readdir(remote) {
    const entries = await device.readdir(remote);
    return { entries: entries.map((entry) => ({ name: entry.name, ...statFields(entry) })) };
  },
  async screencap() {
    const png = await Adb.util.readAll(await device.screencap());
    return { png: png.toString('base64') };
  },
  async framebuffer() {
    const stream = await device.framebuffer('raw');
    const raw = await Adb.util.readAll(stream);
    return { meta: stream.meta, rawLength: raw.length, rawHead: raw.subarray(0, 16).toString('base64') };
  },
  async logcat(tag, message) {
    const reader = await device.openLogcat();
    const seen = new Promise((resolve, reject) => {
      reader.on('entry', (entry) => {
        if (entry.tag === tag && entry.message === message) resolve(entry);
      });
      reader.on('error', reject);
    });
    await Adb.util.readAll(await device.shell(['log', '-t', tag, message]));
    const entry = await within(20000, 'logcat entry', seen);
    reader.end();
    return {
      entry: { tag: entry.tag, message: entry.message, priority: entry.priority, pid: entry.pid,
               tid: entry.tid, dateMs: entry.date.getTime() },
    };
  },
  async procstat() {
    const stats = await device.openProcStat();
    const loads = await within(10000, '/proc/stat load', new Promise((resolve, reject) => {
      stats.on('load', resolve);
      stats.on('error', reject);
    }));
    stats.end();
    return { loads };
  },
};

async function main() {
  if (!actions[action]) throw new Error(`unknown action ${action}; one of ${Object.keys(actions).join(', ')}`);
  const result = await actions[action](...args);
  // stdout is a pipe: exit only once all of a large answer (a screenshot) has been written
  await new Promise((resolve) => process.stdout.write(JSON.stringify(result) + '\n', resolve));
}

main().then(() => process.exit(0), (err) => {
  fs.writeSync(2, `${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
