/**
 * A child process that holds non-persisted maps on command, for the
 * multi-process suites. The parent forks it (with tsx, so it runs the
 * sources) and sends IPC messages; each is answered with { ok, value } or
 * { ok: false, code, message }.
 *
 *   { op: 'open', how: 'createNew' | 'createOrOpen' | 'openExisting', name, capacity?, access? }
 *   { op: 'openFile', path, mode?, capacity?, mapName? }   createFromFileSync -> capacity
 *   { op: 'write', offset, bytes: number[] }     through an accessor of the whole map
 *   { op: 'read', offset, length }               -> number[]
 *   { op: 'close' }                              closes the accessor and the map
 *   { op: 'capacity' }                           -> the map's capacity now
 *   { op: 'grow', capacity }                     map.growSync -> the new capacity
 *   { op: 'readNew', offset, length }            through a new accessor of the whole map -> number[]
 *   { op: 'writeNew', offset, bytes: number[] }  through a new accessor of the whole map
 *   { op: 'count', index, times, parties }        adds 1 `times` to Int32 cell `index` with
 *                                                Atomics.add, after a start barrier at cell 0;
 *                                                -> { first, last }: the cell's values that its
 *                                                first and last add saw
 */
import { MemoryMappedFile, type ViewAccessor } from '../../node/index.js';

let map: MemoryMappedFile | undefined;
let view: ViewAccessor | undefined;

type Message = Record<string, unknown> & { op: string };

function handle(msg: Message): unknown {
  switch (msg.op) {
    case 'open': {
      const options = msg.access ? { access: msg.access as 'read' } : {};
      if (msg.how === 'createNew') map = MemoryMappedFile.createNewSync(msg.name as string, msg.capacity as number, options);
      else if (msg.how === 'createOrOpen') map = MemoryMappedFile.createOrOpenSync(msg.name as string, msg.capacity as number, options);
      else map = MemoryMappedFile.openExistingSync(msg.name as string, options);
      view = map.createViewAccessorSync();
      return map.capacity;
    }
    case 'openFile': {
      map = MemoryMappedFile.createFromFileSync(msg.path as string, {
        mode: (msg.mode as 'open') ?? 'open',
        capacity: (msg.capacity as number) ?? 0,
        mapName: (msg.mapName as string) ?? null,
      });
      view = map.createViewAccessorSync();
      return map.capacity;
    }
    case 'write':
      view!.writeArray(msg.offset as number, Uint8Array.from(msg.bytes as number[]));
      return null;
    case 'read': {
      const out = new Uint8Array(msg.length as number);
      view!.readArray(msg.offset as number, out);
      return [...out];
    }
    case 'close':
      view?.close();
      map?.close();
      return null;
    case 'capacity':
      return map!.capacity;
    case 'grow':
      map!.growSync(msg.capacity as number);
      return map!.capacity;
    case 'readNew': {
      using fresh = map!.createViewAccessorSync();
      const out = new Uint8Array(msg.length as number);
      fresh.readArray(msg.offset as number, out);
      return [...out];
    }
    case 'writeNew': {
      using fresh = map!.createViewAccessorSync();
      fresh.writeArray(msg.offset as number, Uint8Array.from(msg.bytes as number[]));
      return null;
    }
    case 'count': {
      const cells = new Int32Array(view!.bytes.buffer, view!.bytes.byteOffset, 64);
      const parties = msg.parties as number;
      // Start barrier: everyone arrives, then everyone spins until all have.
      Atomics.add(cells, 0, 1);
      while (Atomics.load(cells, 0) < parties);
      const index = msg.index as number;
      const times = msg.times as number;
      const first = Atomics.add(cells, index, 1);
      let last = first;
      for (let i = 1; i < times; i++) last = Atomics.add(cells, index, 1);
      return { first, last };
    }
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

process.on('message', (msg: Message) => {
  try {
    process.send!({ ok: true, value: handle(msg) });
  } catch (err) {
    const e = err as Error & { code?: string };
    process.send!({ ok: false, code: e.code, message: e.message });
  }
});
process.send!({ ok: true, value: 'ready' });
