import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';

/**
 * aedes 1.x speaks MQTT 3.1 and 3.1.1 only. MQTT 5 clients are bridged by translating packets
 * (mqtt-packet both ways): v5 properties are dropped, topic aliases resolved, reason codes mapped.
 * The broker semantics (QoS, acks, keepalive, subscriptions) stay aedes's.
 */

/** The protocol level of the CONNECT packet at the start of `buf`; null when incomplete, -1 when not a CONNECT. */
export function connectProtocolLevel(buf: Buffer): number | null {
  if (buf.length < 1) return null;
  if (buf[0] !== 0x10) return -1;
  let i = 1;
  for (let n = 0; n < 4; n++, i++) {
    if (i >= buf.length) return null;
    if ((buf[i]! & 0x80) === 0) break;
  }
  i += 1;
  if (i + 2 > buf.length) return null;
  const nameLen = buf.readUInt16BE(i);
  const at = i + 2 + nameLen;
  return at < buf.length ? buf[at]! : null;
}

// v3.1.1 CONNACK return code -> v5 reason code
const CONNACK_REASON: Record<number, number> = { 0: 0, 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

type Packet = mqttPacket.Packet & Record<string, unknown>;

/** Connects a v5 client socket to `handle` (aedes.handle) through a translating duplex. `head` = bytes already read. */
export function bridgeMqtt5(socket: Socket, head: Buffer, handle: (stream: Duplex) => void): void {
  const fromClient = mqttPacket.parser({ protocolVersion: 5 });
  const fromBroker = mqttPacket.parser({ protocolVersion: 4 });
  const aliases = new Map<number, string>();
  const unsubscribeCounts = new Map<number, number>();

  const side = new Duplex({
    read() {
      if (socket.isPaused()) socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      fromBroker.parse(chunk);
      cb();
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });

  fromClient.on('packet', (p) => {
    const out = toV4(p as Packet, aliases, unsubscribeCounts);
    if (out && !side.push(mqttPacket.generate(out as mqttPacket.Packet))) socket.pause();
  });
  fromBroker.on('packet', (p) => {
    const out = toV5(p as Packet, unsubscribeCounts);
    socket.write(mqttPacket.generate(out as mqttPacket.Packet, { protocolVersion: 5 }));
  });
  const fail = (err: Error) => side.destroy(err);
  fromClient.on('error', fail);
  fromBroker.on('error', fail);
  socket.on('data', (d: Buffer) => fromClient.parse(d));
  socket.on('end', () => side.push(null));
  socket.on('close', () => side.destroy());
  socket.on('error', () => side.destroy());
  handle(side);
  fromClient.parse(head);
}

function toV4(p: Packet, aliases: Map<number, string>, unsubscribeCounts: Map<number, number>): Packet | null {
  const { properties, reasonCode: _rc, ...rest } = p as Packet & { properties?: Record<string, unknown>; reasonCode?: number };
  switch (p.cmd) {
    case 'connect': {
      const will = rest.will as (Record<string, unknown> & { properties?: unknown }) | undefined;
      if (will) delete will.properties;
      return { ...rest, protocolId: 'MQTT', protocolVersion: 4 } as Packet;
    }
    case 'publish': {
      const alias = properties?.topicAlias as number | undefined;
      if (alias !== undefined) {
        if (rest.topic) aliases.set(alias, rest.topic as string);
        else rest.topic = aliases.get(alias) ?? '';
      }
      return rest as Packet;
    }
    case 'subscribe':
      return { ...rest, subscriptions: (rest.subscriptions as Array<{ topic: string; qos: number }>).map(({ topic, qos }) => ({ topic, qos })) } as Packet;
    case 'unsubscribe':
      unsubscribeCounts.set(rest.messageId as number, (rest.unsubscriptions as string[]).length);
      return rest as Packet;
    case 'auth':
      return null;
    default:
      return rest as Packet;
  }
}

function toV5(p: Packet, unsubscribeCounts: Map<number, number>): Packet {
  switch (p.cmd) {
    case 'connack':
      return { cmd: 'connack', sessionPresent: p.sessionPresent, reasonCode: CONNACK_REASON[p.returnCode as number] ?? 0x80 } as unknown as Packet;
    case 'unsuback': {
      const n = unsubscribeCounts.get(p.messageId as number) ?? 1;
      unsubscribeCounts.delete(p.messageId as number);
      return { ...p, granted: Array.from({ length: n }, () => 0) } as Packet;
    }
    default:
      return p;
  }
}
