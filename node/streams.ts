/**
 * Node stream conversions of ViewStream, kept out of view-stream.ts so that
 * the browser build never imports node:stream.
 *
 * @module
 */
import { Readable, Writable } from 'node:stream';
import type { NodeStreamFactory, ViewStream } from '../src/view-stream.js';

export const nodeStreamFactory: NodeStreamFactory = {
  toReadable(stream: ViewStream, chunkSize: number): Readable {
    return new Readable({
      highWaterMark: chunkSize,
      read() {
        try {
          const left = stream.length - stream.position;
          if (left <= 0) {
            this.push(null);
            return;
          }
          const chunk = Buffer.allocUnsafe(Math.min(chunkSize, left));
          stream.read(chunk);
          this.push(chunk);
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  },
  toWritable(stream: ViewStream): Writable {
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        try {
          stream.write(chunk);
          callback();
        } catch (err) {
          callback(err as Error);
        }
      },
    });
  },
};
