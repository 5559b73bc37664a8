// A real HL7 v2 sender for the MLLP tests: node-hl7-client (https://github.com/Bugs5382/node-hl7-client), the
// client integration teams use from Node, over a plain TCP connection to the gateway's MLLP port.
//
//   const sender = openMllpSender({ port: gw.mllpPort });
//   const ack = await sender.send(new Message({ text }));   // the client's own serialization
//   const ack = await sender.send(rawBytesOfAFile);          // a Buffer: these exact bytes, framed
//   ack.code, ack.controlId, ack.errorCode, ack.raw ... await sender.close();
//
// The client waits for each ACK before sending the next message (waitAck), so one sender is one ordered
// conversation. A Buffer is sent byte for byte: the connection uses the latin1 encoding, which maps each byte
// to one character and back, so the samples reach the gateway exactly as the files hold them (a byte-order mark,
// LF terminators, invalid bytes included). A node-hl7-client Message is sent as the client sends it: its
// toString() (segments joined by CR, no final CR) encoded in UTF-8.
import { Client, Message } from 'node-hl7-client';

/**
 * The fields of an ACK the tests check, read with the client's own parser (MSA, ERR), plus its raw text.
 * @typedef {{ code: string, controlId: string, errorCode: string|null, errorText: string|null, raw: string }} Ack
 */

/** Reads an ACK's MSA-1, MSA-2 and the first ERR's ERR-3.1 (and ERR-8, or ERR-1's text in v2.3 style). */
export function readAck(raw) {
  const message = new Message({ text: raw.replace(/[\r\n]+$/, '') });
  const field = (path) => {
    try {
      const value = message.get(path).toString();
      return value === '' ? null : value;
    } catch {
      return null; // no such segment
    }
  };
  return {
    code: field('MSA.1'),
    controlId: field('MSA.2') ?? '',
    errorCode: field('ERR.3.1'),
    errorText: field('ERR.8') ?? field('MSA.3'),
    raw,
  };
}

/**
 * Opens a sender to the gateway's MLLP listener (the connection is made on the first send).
 * @param {object} opts
 * @param {number} opts.port the gateway's MLLP port
 * @param {string} [opts.host='127.0.0.1']
 * @param {number} [opts.ackTimeoutMs=20000] how long to wait for each ACK before the send fails
 */
export function openMllpSender({ port, host = '127.0.0.1', ackTimeoutMs = 20_000 }) {
  // One client, and one connection per encoding: bytes go through a latin1 connection, Messages through a
  // UTF-8 one (the client's default), so neither is re-encoded on the way.
  const client = new Client({ host, maxConnectionAttempts: 5, retryLow: 100, retryHigh: 1_000 });
  const connections = new Map();
  let waiting = null; // the one send awaiting its ACK (waitAck: one at a time)
  let chain = Promise.resolve();

  function connectionFor(encoding) {
    if (!connections.has(encoding)) {
      const connection = client.createConnection({ port, encoding, waitAck: true }, async () => {});
      // The raw ACK text as received (the handler's Message is re-serialized); one per ACK frame.
      connection.on('data.raw', (raw) => {
        const w = waiting;
        waiting = null;
        if (w) w.resolve(raw);
      });
      connection.on('client.error', (err) => waiting?.reject(new Error(`MLLP connection error: ${err?.message ?? err}`)));
      connections.set(encoding, connection);
    }
    return connections.get(encoding);
  }

  async function sendNow(payload) {
    const isBytes = Buffer.isBuffer(payload);
    const connection = connectionFor(isBytes ? 'latin1' : 'utf-8');
    const raw = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting = null;
        // The client would hold every later message until this ACK: start again on a new connection.
        connections.delete(isBytes ? 'latin1' : 'utf-8');
        connection.close().catch(() => {});
        reject(new Error(`no ACK within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      waiting = {
        resolve: (value) => { clearTimeout(timer); resolve(value); },
        reject: (err) => { clearTimeout(timer); waiting = null; reject(err); },
      };
      // sendMessage only needs toString(): for bytes, one latin1 character per byte.
      const message = isBytes ? { toString: () => payload.toString('latin1') } : payload;
      connection.sendMessage(message).catch((err) => waiting?.reject(err));
    });
    // Back to the bytes the gateway sent, then to text: ACKs are ASCII apart from echoed names, sent in UTF-8.
    const text = isBytes ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
    return readAck(text);
  }

  return {
    /**
     * Sends one message and resolves with its ACK (see readAck). Sends are queued: each waits for the ACK of
     * the one before.
     * @param {Buffer|Message} payload exact bytes, or a node-hl7-client Message
     * @returns {Promise<Ack>}
     */
    send(payload) {
      const result = chain.then(() => sendNow(payload));
      chain = result.catch(() => {});
      return result;
    },
    async close() {
      await Promise.allSettled([...connections.values()].map((c) => c.close()));
      client.closeAll();
    },
  };
}
