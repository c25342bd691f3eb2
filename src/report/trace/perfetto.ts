/**
 * Perfetto's native trace format: a `Trace` of `TracePacket`s, one TrackDescriptor per track
 * (revisions as root tracks, the rest nested under them), then one TrackEvent packet per event
 * (slices as BEGIN/END pairs, instants, counters), with debug annotations for arguments and
 * flow_ids for arrows. Encoded with protobufjs from the subset of Perfetto's protos we use; field
 * numbers are Perfetto's (protos/perfetto/trace/trace_packet.proto, track_event/*.proto).
 * Timestamps are nanoseconds, so picosecond times are rounded (ends never before starts).
 */
import protobuf from "protobufjs";
import type { TraceArgs, TraceEvent, TraceModel } from "./model.js";

const PERFETTO_SUBSET = `
syntax = "proto2";
package perfetto.protos;
message Trace { repeated TracePacket packet = 1; }
message TracePacket {
  optional uint64 timestamp = 8;
  optional uint32 trusted_packet_sequence_id = 10;
  optional TrackEvent track_event = 11;
  optional uint32 sequence_flags = 13;
  optional TrackDescriptor track_descriptor = 60;
}
message TrackDescriptor {
  optional uint64 uuid = 1;
  optional string name = 2;
  optional uint64 parent_uuid = 5;
  optional CounterDescriptor counter = 8;
}
message CounterDescriptor { repeated string categories = 2; }
message DebugAnnotation {
  optional bool bool_value = 2;
  optional int64 int_value = 4;
  optional double double_value = 5;
  optional string string_value = 6;
  optional string name = 10;
}
message TrackEvent {
  repeated DebugAnnotation debug_annotations = 4;
  optional int32 type = 9;
  optional uint64 track_uuid = 11;
  repeated string categories = 22;
  optional string name = 23;
  optional double double_counter_value = 44;
  repeated fixed64 flow_ids = 47;
}
`;

/** TrackEvent.Type. */
export const TRACK_EVENT_TYPE = { sliceBegin: 1, sliceEnd: 2, instant: 3, counter: 4 } as const;
/** TracePacket.SequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED: the first packet starts a sequence. */
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
const SEQUENCE_ID = 1;

function traceType(): protobuf.Type {
  return protobuf.parse(PERFETTO_SUBSET, { keepCase: true }).root.lookupType("perfetto.protos.Trace");
}

function annotations(args: TraceArgs): object[] {
  return Object.entries(args).map(([name, v]) => {
    if (typeof v === "boolean") return { name, bool_value: v };
    if (typeof v === "string") return { name, string_value: v };
    return Number.isInteger(v) ? { name, int_value: v } : { name, double_value: v };
  });
}

const ns = (ps: number) => Math.round(ps / 1000);

function eventPackets(e: TraceEvent): object[] {
  const packet = (timestamp: number, track_event: object) => ({
    timestamp,
    trusted_packet_sequence_id: SEQUENCE_ID,
    track_event,
  });
  if (e.type === "counter")
    return [
      packet(ns(e.tsPs), {
        type: TRACK_EVENT_TYPE.counter,
        track_uuid: e.track,
        double_counter_value: e.value,
      }),
    ];
  const common = {
    track_uuid: e.track,
    name: e.name,
    categories: e.category.split(","),
    debug_annotations: annotations(e.args),
    ...(e.flows ? { flow_ids: [...e.flows] } : {}),
  };
  if (e.type === "instant") return [packet(ns(e.tsPs), { type: TRACK_EVENT_TYPE.instant, ...common })];
  return [
    packet(ns(e.tsPs), { type: TRACK_EVENT_TYPE.sliceBegin, ...common }),
    packet(ns(e.tsPs + e.durPs), { type: TRACK_EVENT_TYPE.sliceEnd, track_uuid: e.track }),
  ];
}

/** The model as a .pftrace file's bytes. */
export function perfettoTrace(m: TraceModel): Uint8Array {
  const packets: object[] = m.tracks.map((t, i) => ({
    trusted_packet_sequence_id: SEQUENCE_ID,
    ...(i === 0 ? { sequence_flags: SEQ_INCREMENTAL_STATE_CLEARED } : {}),
    track_descriptor: {
      uuid: t.uuid,
      name: t.name,
      ...(t.parent === undefined ? {} : { parent_uuid: t.parent }),
      ...(t.kind === "counter" ? { counter: { categories: ["tphlab"] } } : {}),
    },
  }));
  // BEGIN/END pairs are emitted per slice; order every packet by timestamp (stable).
  const events = m.events.flatMap(eventPackets);
  events.sort((a, b) => (a as { timestamp: number }).timestamp - (b as { timestamp: number }).timestamp);
  const T = traceType();
  const msg = T.fromObject({ packet: [...packets, ...events] });
  return T.encode(msg).finish();
}
