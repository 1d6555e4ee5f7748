/**
 * Whether a store through a native view's bytes stays private is the core's
 * answer, reported by the platform that mapped the view (mm_view's
 * stores_private, through the addon's mapView): the backend view carries it
 * as `readStoresPrivate`, and a `read` view hands out typed arrays only
 * where it is true. Here the reported value is checked against what a store
 * through the bytes actually does, for each kind of native map: a view that
 * reports private stores must keep a store from the map's other views and
 * from the file; on Linux every `read` and `copyOnWrite` view is private.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { nativeBackend, nativeUnavailable } from '../node/backend.js';
import type { BackendMap } from '../src/backend.js';
import { makeTempDir } from './support/files.js';

const SIZE = 8192;
const prefix = `memmap-stores-${process.pid}-`;
/** Pager options: the native backend has no pager (the OS pages the mapping). */
const NO_PAGER = { pageSize: 0, frames: 0 };

describe('native views: whether stores stay private is what the platform mapped', function () {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  before(function () {
    if (nativeUnavailable() !== null) {
      // skip reason: no native addon here (the title of every test says so)
      this.skip();
    }
  });

  /**
   * Each kind of native map: `map` makes the views under test, `writer` (the
   * same map, or a second holder of its name) the readWrite view, and `file`
   * is where its bytes are also stored, if anywhere.
   */
  interface Opened {
    map: BackendMap;
    writer: BackendMap;
    file: string | null;
  }
  const kinds: [string, () => Opened][] = [
    ['a file map', () => {
      const file = tmp.file('file.bin');
      const map = nativeBackend.openFile(file, 'createNew', SIZE, 'readWrite', NO_PAGER, null);
      return { map, writer: map, file };
    }],
    ['a named file map', () => {
      const file = tmp.file('named.bin');
      const map = nativeBackend.openFile(file, 'createNew', SIZE, 'readWrite', NO_PAGER, `${prefix}file`);
      return { map, writer: map, file };
    }],
    ['a named shared map, read through a second holder', () => {
      const name = `${prefix}shared`;
      const writer = nativeBackend.openShared(name, 'createNew', SIZE, 'readWrite');
      return { map: nativeBackend.openShared(name, 'openExisting', 0, 'read'), writer, file: null };
    }],
    ['an anonymous shared map', () => {
      const map = nativeBackend.openShared(null, 'createNew', SIZE, 'readWrite');
      return { map, writer: map, file: null };
    }],
  ];

  for (const [title, open] of kinds) {
    it(`${title} (skipped without the native addon): a view reporting private stores keeps a store through its bytes from the map and the file; on Linux, read and copyOnWrite views do`, () => {
      const opened = open();
      const writer = opened.writer;
      const rw = writer.view(0, SIZE, 'readWrite');
      try {
        assert.equal(rw.readStoresPrivate, false, 'a readWrite view shares its stores');
        rw.bytes!.fill(0x11);
        rw.flush(0, SIZE);
        for (const access of ['read', 'copyOnWrite'] as const) {
          if (access === 'copyOnWrite' && opened.map !== writer) continue; // a read-only holder makes no copyOnWrite views
          const view = opened.map.view(0, SIZE, access);
          try {
            assert.equal(typeof view.readStoresPrivate, 'boolean', `the addon reports the ${access} view's stores`);
            if (process.platform === 'linux') assert.equal(view.readStoresPrivate, true, `a ${access} view is copy-on-write on Linux`);
            // Where stores are not private, a read view's pages are read-only: a store would fault, so none is tried.
            if (!view.readStoresPrivate) continue;
            const bytes = view.bytes!;
            bytes[100] = 0xaa;
            bytes[SIZE - 1] = 0xbb;
            assert.equal(bytes[100], 0xaa, 'the view keeps its own store');
            assert.equal(rw.bytes![100], 0x11, `a store through the ${access} view did not reach another view`);
            assert.equal(rw.bytes![SIZE - 1], 0x11);
            if (opened.file !== null) {
              const onDisk = fs.readFileSync(opened.file);
              assert.equal(onDisk[100], 0x11, 'nor the file');
              assert.equal(onDisk[SIZE - 1], 0x11);
            }
            const again = opened.map.view(0, SIZE, 'read');
            try {
              assert.equal(again.bytes![100], 0x11, 'nor a view made afterwards');
            } finally {
              again.close();
            }
          } finally {
            view.close();
          }
        }
      } finally {
        rw.close();
        opened.map.close();
        writer.close();
      }
    });
  }
});
