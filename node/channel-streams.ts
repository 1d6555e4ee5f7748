/**
 * Node stream conversions of Channel, kept out of channel.ts so that the
 * browser build never imports node:stream (as streams.ts for ViewStream).
 *
 * @module
 */
import { Readable, Writable } from 'node:stream';
import type { Channel, ChannelStreamFactory } from '../src/channel.js';

export const channelStreamFactory: ChannelStreamFactory = {
  toReadable(channel: Channel): Readable {
    return new Readable({
      read() {
        channel.receiveAsync().then(
          (m) => this.push(m === null ? null : Buffer.from(m.buffer, m.byteOffset, m.byteLength)),
          (err: Error) => this.destroy(err),
        );
      },
    });
  },
  toWritable(channel: Channel): Writable {
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        channel.sendAsync(chunk).then(() => callback(), callback);
      },
      final(callback) {
        channel.close();
        callback();
      },
    });
  },
};
