/**
 * memmap against a peer library from the npm registry, measured in one run:
 * @riaskov/mmap-io 1.4.3 (a maintained fork of mmap-io, which no longer
 * builds on Node 20: its C++ standard is older than Node's headers need).
 * mmap-io returns a Buffer over the mapping, with no explicit unmap and no
 * bounds or lifetime checks; memmap's accessor checks every position and its
 * views can be closed. Both read the same warm 256 MiB file.
 *
 *   1. random 8-byte reads: accessor.readFloat64 and mmap-io's
 *      Buffer.readDoubleLE, against DataView.getFloat64 on an in-heap buffer;
 *   2. sequential reads in 1 MiB chunks: ViewStream.read and a copy out of
 *      mmap-io's Buffer, against a copy out of the in-heap buffer.
 *
 * Usage: node --import tsx bench/peers.ts [--size-mib N] [--rounds N] [--json PATH]
 *
 * @module
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { MemoryMappedFile } from '../node/index.js';
import { fillWithFloats, writeFileFully } from './data.js';
import { printFigure, randomPositions, rowsToJson, runFigure, sinkValue, type Row } from './harness.js';
import { benchOptions } from './options.js';

interface MmapIo {
  map(size: number, protection: number, flags: number, fd: number, offset?: number): Buffer;
  PROT_READ: number;
  MAP_SHARED: number;
}

const options = benchOptions({ fallback: 256, min: 8, max: 2048 });
const size = options.sizeMiB * 2 ** 20;
const rounds = options.rounds;

let mmapIo: MmapIo | null = null;
let peerProblem = '';
try {
  mmapIo = createRequire(import.meta.url)('@riaskov/mmap-io') as MmapIo;
} catch (err) {
  peerProblem = (err as Error).message;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memmap-bench-peers-'));
const rows: Row[] = [];
try {
  const file = path.join(dir, 'peers.bin');
  const heap = new Uint8Array(size);
  fillWithFloats(heap, 7);
  writeFileFully(file, heap);

  using map = MemoryMappedFile.createFromFileSync(file, { access: 'read', backend: 'native' });
  using accessor = map.createViewAccessorSync();
  using stream = map.createViewStreamSync();
  const fd = fs.openSync(file, 'r');
  const peer = mmapIo ? mmapIo.map(size, mmapIo.PROT_READ, mmapIo.MAP_SHARED, fd, 0) : null;
  const heapView = new DataView(heap.buffer);
  // Warm every page of every mapping.
  let warm = 0;
  for (let i = 0; i < size; i += 4096) warm += accessor.readUint8(i) + (peer ? (peer[i] as number) : 0);
  const chunk = new Uint8Array(1 << 20);
  stream.seek(0);
  while (stream.read(chunk) > 0) warm += chunk[0] as number;

  const positions = randomPositions(2_000_000, size, 8, 11);
  const readHeap = () => {
    let s = 0;
    for (let i = 0; i < positions.length; i++) s += heapView.getFloat64(positions[i] as number, true);
    return s;
  };
  const expected8 = readHeap();
  const others8 = [
    {
      name: 'memmap accessor.readFloat64',
      ops: positions.length,
      expected: expected8,
      run: () => {
        let s = 0;
        for (let i = 0; i < positions.length; i++) s += accessor.readFloat64(positions[i] as number);
        return s;
      },
    },
  ];
  if (peer) {
    others8.push({
      name: 'mmap-io Buffer.readDoubleLE',
      ops: positions.length,
      expected: expected8,
      run: () => {
        let s = 0;
        for (let i = 0; i < positions.length; i++) s += peer.readDoubleLE(positions[i] as number);
        return s;
      },
    });
  }
  const random = runFigure({
    figure: 'random 8-byte reads (256 MiB, warm)',
    unit: 'ns/op',
    rounds,
    baseline: { name: 'DataView on an in-heap ArrayBuffer', ops: positions.length, expected: expected8, run: readHeap },
    others: others8,
  });
  printFigure(random);
  rows.push(...random);

  const chunks = size / chunk.length;
  const sumChunk = () => chunk[0]! + chunk[chunk.length - 1]!;
  const copyHeap = () => {
    let s = 0;
    for (let at = 0; at < size; at += chunk.length) {
      chunk.set(heap.subarray(at, at + chunk.length));
      s += sumChunk();
    }
    return s;
  };
  const expectedSeq = copyHeap();
  const othersSeq = [
    {
      name: 'memmap stream.read',
      ops: chunks,
      bytesPerOp: chunk.length,
      expected: expectedSeq,
      run: () => {
        let s = 0;
        stream.seek(0);
        while (stream.read(chunk) > 0) s += sumChunk();
        return s;
      },
    },
  ];
  if (peer) {
    othersSeq.push({
      name: 'mmap-io Buffer copy',
      ops: chunks,
      bytesPerOp: chunk.length,
      expected: expectedSeq,
      run: () => {
        let s = 0;
        for (let at = 0; at < size; at += chunk.length) {
          chunk.set(peer.subarray(at, at + chunk.length));
          s += sumChunk();
        }
        return s;
      },
    });
  }
  const sequential = runFigure({
    figure: 'sequential reads in 1 MiB chunks (256 MiB, warm)',
    unit: 'GB/s',
    rounds,
    baseline: { name: 'copy out of an in-heap buffer', ops: chunks, bytesPerOp: chunk.length, expected: expectedSeq, run: copyHeap },
    others: othersSeq,
  });
  printFigure(sequential);
  rows.push(...sequential);
  fs.closeSync(fd);
  if (!peer) console.log(`\n@riaskov/mmap-io could not be loaded, so it has no rows: ${peerProblem}`);
  console.log(`\n(checksums ${sinkValue() + warm})`);
  if (options.jsonPath) fs.writeFileSync(options.jsonPath, JSON.stringify(rowsToJson(rows), null, 2));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
