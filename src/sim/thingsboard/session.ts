/**
 * One MQTT connection of the ThingsBoard test server: `mqtt-packet` parsing and generation
 * over a `node:net` socket, the CONNECT → CONNACK state machine with the pre-CONNACK queue,
 * the packet-size limit, outgoing message ids and PUBACK tracking, and closing with an MQTT 5
 * DISCONNECT reason. What the packets mean is the {@link SessionHost}'s business.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import mqttPacket from "mqtt-packet";
import type { IConnectPacket, Packet } from "mqtt-packet";
import { connackCodeV3, RC } from "./reason_codes.ts";
import type { DeviceRecord } from "./store.ts";
import { topicMatches } from "./topics.ts";
import type { DisconnectReason } from "./types.ts";

/** What a session needs from its server. */
export interface SessionHost {
  readonly maxPayloadSize: number;
  readonly maxInflightMessages: number;
  /** A CONNECT arrived; the host answers with `accept` or `refuse` (now or later). */
  onConnect(session: Session, packet: IConnectPacket): void;
  /** A PUBLISH, SUBSCRIBE or UNSUBSCRIBE after CONNACK. */
  onPacket(session: Session, packet: Packet): void;
  onClosed(session: Session, reason: DisconnectReason, reasonCode?: number): void;
}

type State = "connecting" | "authenticating" | "open" | "closed";

/** A peer that ignores our FIN is cut off after this long. */
const CLOSE_GRACE_MS = 2000;

export class Session {
  readonly id: number;
  protocolVersion = 4;
  clientId = "";
  username: string | undefined;
  device: DeviceRecord | undefined;
  provisioning = false;
  /** Granted filters and their QoS */
  readonly subscriptions = new Map<string, number>();
  attributesSubscribed = false;
  rpcSubscribed = false;
  /** Devices this gateway session currently serves (gateway sessions only) */
  readonly children = new Map<string, DeviceRecord>();
  lastActivity = performance.now();
  /** Resolves once the socket is fully closed */
  readonly done: Promise<void>;

  #state: State = "connecting";
  #socket: Socket;
  #host: SessionHost;
  #parser = mqttPacket.parser();
  #queue: Packet[] = [];
  #inflight = new Map<number, () => void>();
  #nextMessageId = 1;
  #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(id: number, socket: Socket, host: SessionHost) {
    this.id = id;
    this.#socket = socket;
    this.#host = host;
    this.done = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.setNoDelay(true);
    socket.on("error", () => {}); // a 'close' always follows
    socket.on("close", () => this.#ended("connection_lost"));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#parser.on("packet", (packet: Packet) => this.#onPacket(packet));
    this.#parser.on("error", () => this.close("protocol_error", RC.MALFORMED_PACKET));
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  get isClosed(): boolean {
    return this.#state === "closed";
  }

  #onData(chunk: Buffer): void {
    if (this.#state === "closed") return;
    this.#parser.parse(chunk);
    // A packet still being received announces its length before its body arrives.
    const pending = (this.#parser as unknown as { packet: { length: number } }).packet.length;
    if (!this.isClosed && pending > this.#host.maxPayloadSize) {
      this.close("packet_too_large", RC.MALFORMED_PACKET);
    }
  }

  #onPacket(packet: Packet): void {
    if (this.#state === "closed") return;
    if ((packet.length ?? 0) > this.#host.maxPayloadSize) {
      this.close("packet_too_large", RC.MALFORMED_PACKET);
      return;
    }
    this.lastActivity = performance.now();
    switch (this.#state) {
      case "connecting":
        if (packet.cmd !== "connect") return this.close("protocol_error");
        this.protocolVersion = packet.protocolVersion ?? 4;
        this.clientId = packet.clientId ?? "";
        this.username = packet.username;
        this.#state = "authenticating";
        return this.#guard(() => this.#host.onConnect(this, packet));
      case "authenticating":
        // ThingsBoard queues what arrives before authentication completes, up to a limit.
        this.#queue.push(packet);
        if (this.#queue.length > this.#host.maxInflightMessages) {
          this.close("queue_full", RC.QUOTA_EXCEEDED);
        }
        return;
      case "open":
        return this.#dispatch(packet);
    }
  }

  #dispatch(packet: Packet): void {
    switch (packet.cmd) {
      case "pingreq":
        return this.send({ cmd: "pingresp" });
      case "disconnect":
        return this.close("client_disconnect");
      case "puback": {
        const onAck = this.#inflight.get(packet.messageId!);
        this.#inflight.delete(packet.messageId!);
        return onAck?.();
      }
      case "connect":
        return this.close("protocol_error", RC.UNSPECIFIED_ERROR);
      default:
        return this.#guard(() => this.#host.onPacket(this, packet));
    }
  }

  /**
   * A handler bug must not take the socket loop (and the process) down: like ThingsBoard's
   * `exceptionCaught`, the session is closed (v5 0x8B) and the error reported.
   */
  #guard(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      console.error(`ThingsBoard test server: session ${this.id} failed:`, error);
      this.close("internal_error", RC.SERVER_SHUTTING_DOWN);
    }
  }

  /** CONNACK accepted; queued packets are processed now. */
  accept(sessionPresent: boolean): void {
    if (this.#state !== "authenticating") return;
    this.send({ cmd: "connack", returnCode: 0, reasonCode: 0, sessionPresent });
    this.#state = "open";
    const queued = this.#queue;
    this.#queue = [];
    for (const packet of queued) {
      if (this.#state !== "open") break;
      this.#dispatch(packet);
    }
  }

  /** CONNACK with a v5 reason (mapped for 3.1.1), then close. Returns the code sent. */
  refuse(v5Code: number): number {
    const code = this.protocolVersion === 5 ? v5Code : connackCodeV3(v5Code);
    this.send({ cmd: "connack", returnCode: code, reasonCode: code, sessionPresent: false });
    this.close("refused");
    return code;
  }

  /** Writes one packet (nothing once closed). */
  send(packet: Packet): void {
    if (this.#state === "closed" && packet.cmd !== "disconnect") return;
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
  }

  /**
   * Publishes a downlink with the QoS of the matching subscription, QoS 1 when none matches
   * (`getQoSForTopic`). `onDelivered` runs on the PUBACK, or right away for QoS 0.
   */
  publish(topic: string, payload: string | Uint8Array, onDelivered?: () => void): void {
    if (this.#state !== "open") return;
    let qos = 1;
    for (const [filter, granted] of this.subscriptions) {
      if (topicMatches(filter, topic)) {
        qos = granted;
        break;
      }
    }
    const body = typeof payload === "string"
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (qos === 0) {
      this.send({ cmd: "publish", topic, payload: body, qos: 0, dup: false, retain: false });
      onDelivered?.();
      return;
    }
    const messageId = this.#allocateMessageId();
    if (onDelivered) this.#inflight.set(messageId, onDelivered);
    this.send({
      cmd: "publish",
      topic,
      payload: body,
      qos: 1,
      dup: false,
      retain: false,
      messageId,
    });
  }

  #allocateMessageId(): number {
    const id = this.#nextMessageId;
    this.#nextMessageId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /** PUBACK; the reason code travels only on MQTT 5. */
  puback(messageId: number | undefined, reasonCode: number = RC.SUCCESS): void {
    if (messageId === undefined || this.#state !== "open") return;
    this.send({ cmd: "puback", messageId, reasonCode });
  }

  /** A timer that dies with the session; returns its cancel function. */
  setTimer(callback: () => void, ms: number): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /**
   * Ends the session: an MQTT 5 peer first gets DISCONNECT with `reasonCode` (when given),
   * then the socket is half-closed and cut off if the peer does not close within a grace time.
   */
  close(reason: DisconnectReason, reasonCode?: number): void {
    if (this.#state === "closed") return;
    const sentCode = this.protocolVersion === 5 && this.#state === "open" ? reasonCode : undefined;
    if (sentCode !== undefined) this.send({ cmd: "disconnect", reasonCode: sentCode });
    this.#ended(reason, sentCode);
    if (!this.#socket.destroyed) {
      this.#socket.end();
      const grace = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
      this.#socket.once("close", () => clearTimeout(grace));
    }
  }

  /** Cuts the connection without any MQTT goodbye (a network failure). */
  drop(reason: DisconnectReason): void {
    this.#ended(reason);
    this.#socket.destroy();
  }

  #ended(reason: DisconnectReason, reasonCode?: number): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#inflight.clear();
    this.#queue = [];
    this.#host.onClosed(this, reason, reasonCode);
  }
}
