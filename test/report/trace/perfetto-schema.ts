/**
 * The part of Perfetto's trace proto the tests decode with, written here from Perfetto's own
 * protos (protos/perfetto/trace/trace.proto, trace_packet.proto, track_event/track_event.proto,
 * track_descriptor.proto, counter_descriptor.proto, debug_annotation.proto), independently of the
 * encoder under test: as a protobufjs JSON descriptor, not the encoder's .proto text.
 */
import protobuf from "protobufjs";

const opt = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ rule: "repeated", type, id });

const DESCRIPTOR = {
  nested: {
    Trace: { fields: { packet: rep("TracePacket", 1) } },
    TracePacket: {
      fields: {
        timestamp: opt("uint64", 8),
        trustedPacketSequenceId: opt("uint32", 10),
        trackEvent: opt("TrackEvent", 11),
        sequenceFlags: opt("uint32", 13),
        trackDescriptor: opt("TrackDescriptor", 60),
      },
    },
    TrackDescriptor: {
      fields: {
        uuid: opt("uint64", 1),
        name: opt("string", 2),
        parentUuid: opt("uint64", 5),
        counter: opt("CounterDescriptor", 8),
      },
    },
    CounterDescriptor: { fields: { categories: rep("string", 2) } },
    DebugAnnotation: {
      fields: {
        boolValue: opt("bool", 2),
        uintValue: opt("uint64", 3),
        intValue: opt("int64", 4),
        doubleValue: opt("double", 5),
        stringValue: opt("string", 6),
        name: opt("string", 10),
      },
    },
    TrackEvent: {
      fields: {
        debugAnnotations: rep("DebugAnnotation", 4),
        type: opt("int32", 9),
        trackUuid: opt("uint64", 11),
        categories: rep("string", 22),
        name: opt("string", 23),
        counterValue: opt("int64", 30),
        doubleCounterValue: opt("double", 44),
        flowIds: rep("fixed64", 47),
      },
    },
  },
};

export interface DecodedAnnotation {
  name: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
  stringValue?: string;
}
export interface DecodedEvent {
  type: number;
  trackUuid: number;
  name?: string;
  categories?: string[];
  debugAnnotations?: DecodedAnnotation[];
  doubleCounterValue?: number;
  flowIds?: number[];
}
export interface DecodedPacket {
  timestamp?: number;
  trustedPacketSequenceId?: number;
  sequenceFlags?: number;
  trackEvent?: DecodedEvent;
  trackDescriptor?: { uuid: number; name?: string; parentUuid?: number; counter?: object };
}

/** TrackEvent.Type values (track_event.proto). */
export const TYPE = { SLICE_BEGIN: 1, SLICE_END: 2, INSTANT: 3, COUNTER: 4 } as const;

/** Perfetto's protos are proto2: explicit presence, so a field set to 0 decodes as 0, not absent. */
const PROTO2 = {
  nested: Object.fromEntries(
    Object.entries(DESCRIPTOR.nested).map(([k, v]) => [k, { edition: "proto2", ...v }]),
  ),
};

export function decodeTrace(bytes: Uint8Array): DecodedPacket[] {
  const Trace = protobuf.Root.fromJSON(PROTO2).lookupType("Trace");
  const obj = Trace.toObject(Trace.decode(bytes), { longs: Number, defaults: false, arrays: false }) as {
    packet?: DecodedPacket[];
  };
  return obj.packet ?? [];
}

/** A debug annotation's value by name. */
export function arg(e: DecodedEvent, name: string): string | number | boolean | undefined {
  const a = e.debugAnnotations?.find((x) => x.name === name);
  return a?.stringValue ?? a?.intValue ?? a?.doubleValue ?? a?.boolValue;
}
