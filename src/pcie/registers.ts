/**
 * Register tables: register -> field mask -> named values. Offsets of capability registers are
 * relative to the capability's start. Sources: PCI Express Base Specification (sections cited per
 * table) and Linux include/uapi/linux/pci_regs.h for the names.
 *
 * Use with getField/setField from ./bits.ts: getField(v, TPH.CAP.fields.LOC.mask).
 */

/** A field: its mask and, where the encoding is enumerated, its named values. */
export interface FieldDef {
  readonly mask: number;
  readonly values?: Readonly<Record<string, number>>;
}
export interface RegisterDef {
  readonly offset: number;
  /** Width in bytes: 1, 2 or 4. */
  readonly width: 1 | 2 | 4;
  readonly fields: Readonly<Record<string, FieldDef>>;
}

/** Type 0/1 configuration header (PCI Local Bus 3.0 ch. 6; PCIe Base 6.0 section 7.5.1). */
export const HEADER = {
  VENDOR_ID: { offset: 0x00, width: 2, fields: {} },
  DEVICE_ID: { offset: 0x02, width: 2, fields: {} },
  COMMAND: {
    offset: 0x04,
    width: 2,
    fields: {
      IO: { mask: 0x0001 },
      MEMORY: { mask: 0x0002 },
      MASTER: { mask: 0x0004 },
      INTX_DISABLE: { mask: 0x0400 },
    },
  },
  STATUS: { offset: 0x06, width: 2, fields: { CAP_LIST: { mask: 0x0010 } } },
  REVISION: { offset: 0x08, width: 1, fields: {} },
  CLASS: { offset: 0x09, width: 4, fields: {} },
  HEADER_TYPE: {
    offset: 0x0e,
    width: 1,
    fields: {
      LAYOUT: { mask: 0x7f, values: { NORMAL: 0, BRIDGE: 1, CARDBUS: 2 } },
      MULTI_FUNCTION: { mask: 0x80 },
    },
  },
  BAR0: { offset: 0x10, width: 4, fields: {} },
  SUBSYSTEM_VENDOR_ID: { offset: 0x2c, width: 2, fields: {} },
  SUBSYSTEM_ID: { offset: 0x2e, width: 2, fields: {} },
  /** Capabilities pointer (type 0 and type 1 headers); CardBus uses 0x14. */
  CAPABILITY_LIST: { offset: 0x34, width: 1, fields: {} },
  CB_CAPABILITY_LIST: { offset: 0x14, width: 1, fields: {} },
  INTERRUPT_PIN: { offset: 0x3d, width: 1, fields: {} },
  /** Type 1 (bridge) header bus numbers (PCI-to-PCI Bridge 1.2 section 3.2.5). */
  PRIMARY_BUS: { offset: 0x18, width: 1, fields: {} },
  SECONDARY_BUS: { offset: 0x19, width: 1, fields: {} },
  SUBORDINATE_BUS: { offset: 0x1a, width: 1, fields: {} },
} as const satisfies Record<string, RegisterDef>;

/** Memory BAR low dword bits (PCI Local Bus 3.0 section 6.2.5.1; Linux PCI_BASE_ADDRESS_*). */
export const BAR = {
  MEM_TYPE_64: 0x4,
  PREFETCH: 0x8,
  MEM_MASK: 0xfffffff0,
  /** Number of BAR slots in a type 0 and a type 1 header. */
  COUNT_TYPE0: 6,
  COUNT_TYPE1: 2,
} as const;

/** Start of the extended capability list (PCIe Base 6.0 section 7.6). */
export const EXT_CAP_START = 0x100;
/** Size of the standard (legacy) config space and of PCIe extended config space. */
export const CONFIG_SIZE_LEGACY = 256;
export const CONFIG_SIZE_EXTENDED = 4096;

/** Standard capability header: ID at +0, next pointer at +1. */
export const STD_CAP = {
  ID: { offset: 0, width: 1, fields: {} },
  NEXT: { offset: 1, width: 1, fields: {} },
} as const satisfies Record<string, RegisterDef>;

/** Extended capability header (PCIe Base 6.0 section 7.6.3). */
export const EXT_CAP_HEADER = {
  offset: 0,
  width: 4,
  fields: {
    ID: { mask: 0x0000ffff },
    VERSION: { mask: 0x000f0000 },
    NEXT: { mask: 0xfff00000 },
  },
} as const satisfies RegisterDef;

/** PCI Express Capability (ID 0x10), PCIe Base 6.0 section 7.5.3. */
export const EXP = {
  FLAGS: {
    offset: 0x02,
    width: 2,
    fields: {
      VERSION: { mask: 0x000f },
      TYPE: {
        mask: 0x00f0,
        values: {
          ENDPOINT: 0x0,
          LEGACY_ENDPOINT: 0x1,
          ROOT_PORT: 0x4,
          UPSTREAM: 0x5,
          DOWNSTREAM: 0x6,
          PCI_BRIDGE: 0x7,
          PCIE_BRIDGE: 0x8,
          RC_END: 0x9,
          RC_EC: 0xa,
        },
      },
      SLOT: { mask: 0x0100 },
      IRQ: { mask: 0x3e00 },
    },
  },
  DEVCAP: {
    offset: 0x04,
    width: 4,
    fields: { PAYLOAD: { mask: 0x00000007 }, FLR: { mask: 0x10000000 } },
  },
  DEVCTL: {
    offset: 0x08,
    width: 2,
    fields: {
      PAYLOAD: { mask: 0x00e0 },
      READRQ: { mask: 0x7000 },
      BCR_FLR: { mask: 0x8000 },
    },
  },
  LNKCAP: {
    offset: 0x0c,
    width: 4,
    fields: { SPEED: { mask: 0x0000000f }, WIDTH: { mask: 0x000003f0 } },
  },
  LNKSTA: {
    offset: 0x12,
    width: 2,
    fields: { SPEED: { mask: 0x000f }, WIDTH: { mask: 0x03f0 } },
  },
  /** Device Capabilities 2, section 7.5.3.15. */
  DEVCAP2: {
    offset: 0x24,
    width: 4,
    fields: {
      TPH_COMP: { mask: 0x00003000, values: { NONE: 0, TPH_ONLY: 1, RESERVED: 2, EXT_TPH: 3 } },
      EXT_FMT: { mask: 0x00100000 },
      EE_PREFIX: { mask: 0x00200000 },
      EE_PREFIX_MAX: { mask: 0x00c00000 },
      COMPL_TIMEOUT_RANGES: { mask: 0x0000000f },
      COMPL_TIMEOUT_DIS: { mask: 0x00000010 },
      ARI_FWD: { mask: 0x00000020 },
      ATOMIC_ROUTING: { mask: 0x00000040 },
      ATOMIC_COMP32: { mask: 0x00000080 },
      ATOMIC_COMP64: { mask: 0x00000100 },
      CAS_COMP128: { mask: 0x00000200 },
      NO_RO_PR_PR: { mask: 0x00000400 },
      LTR: { mask: 0x00000800 },
      LN_CLS: { mask: 0x0000c000 },
      TAG10_COMP: { mask: 0x00010000 },
      TAG10_REQ: { mask: 0x00020000 },
      OBFF: { mask: 0x000c0000 },
      EMERG_PWR_RED: { mask: 0x03000000 },
      EMERG_PWR_RED_INIT: { mask: 0x04000000 },
      FRS: { mask: 0x80000000 },
    },
  },
  DEVCTL2: { offset: 0x28, width: 2, fields: { EE_PREFIX_BLOCK: { mask: 0x8000 } } },
} as const satisfies Record<string, RegisterDef>;

/** MSI-X Capability (ID 0x11), PCIe Base 6.0 section 7.7.2. */
export const MSIX = {
  FLAGS: {
    offset: 0x02,
    width: 2,
    fields: { QSIZE: { mask: 0x07ff }, MASKALL: { mask: 0x4000 }, ENABLE: { mask: 0x8000 } },
  },
  TABLE: { offset: 0x04, width: 4, fields: { BIR: { mask: 0x00000007 }, OFFSET: { mask: 0xfffffff8 } } },
  PBA: { offset: 0x08, width: 4, fields: { BIR: { mask: 0x00000007 }, OFFSET: { mask: 0xfffffff8 } } },
} as const satisfies Record<string, RegisterDef>;

/** One MSI-X table entry in BAR memory: 16 bytes; Vector Control at +0x0C (section 7.7.2.9). */
export const MSIX_ENTRY = {
  SIZE: 16,
  VECTOR_CTRL: {
    offset: 0x0c,
    width: 4,
    fields: { MASKED: { mask: 0x00000001 }, ST: { mask: 0xffff0000 } },
  },
} as const;

/** Power Management Capability (ID 0x01), PCI PM 1.2 section 3.2. */
export const PM = {
  /** Power Management Capabilities (PMC). */
  PMC: { offset: 0x02, width: 2, fields: { VERSION: { mask: 0x0007 } } },
  CTRL: {
    offset: 0x04,
    width: 2,
    fields: {
      STATE: { mask: 0x0003, values: { D0: 0, D1: 1, D2: 2, D3HOT: 3 } },
      NO_SOFT_RESET: { mask: 0x0008 },
    },
  },
} as const satisfies Record<string, RegisterDef>;

/** TPH Requester Extended Capability (ID 0x0017), PCIe Base 6.0 section 7.9.13. */
export const TPH = {
  CAP: {
    offset: 0x04,
    width: 4,
    fields: {
      NO_ST: { mask: 0x00000001 },
      IV: { mask: 0x00000002 },
      DS: { mask: 0x00000004 },
      EXT_TPH: { mask: 0x00000100 },
      LOC: { mask: 0x00000600, values: { NONE: 0, CAP: 1, MSIX: 2, RESERVED: 3 } },
      ST_SIZE: { mask: 0x07ff0000 },
    },
  },
  CTRL: {
    offset: 0x08,
    width: 4,
    fields: {
      MODE_SEL: { mask: 0x00000007, values: { NS: 0, IV: 1, DS: 2 } },
      REQ_EN: { mask: 0x00000300, values: { DISABLE: 0, TPH_ONLY: 1, RESERVED: 2, EXT_TPH: 3 } },
    },
  },
  /** First ST table entry when LOC = CAP; 16-bit entries (ST lower in 7:0, upper in 15:8). */
  ST_TABLE: 0x0c,
  /** PCI_TPH_BASE_SIZEOF: header + capability + control. */
  BASE_SIZEOF: 0x0c,
} as const;

/** ACS Capability and Control bits (same positions in both registers; Linux PCI_ACS_*). */
const ACS_FIELDS = {
  /** Source Validation */
  SV: { mask: 0x0001 },
  /** Translation Blocking */
  TB: { mask: 0x0002 },
  /** P2P Request Redirect */
  RR: { mask: 0x0004 },
  /** P2P Completion Redirect */
  CR: { mask: 0x0008 },
  /** Upstream Forwarding */
  UF: { mask: 0x0010 },
  /** P2P Egress Control */
  EC: { mask: 0x0020 },
  /** Direct Translated P2P */
  DT: { mask: 0x0040 },
} as const;
/** Memory Target Access Control encodings (ACS Control bits 9:8 and 11:10; 11b is reserved). */
const MEM_TARGET_VALUES = { DIRECT: 0, BLOCK: 1, REDIRECT: 2, RESERVED: 3 } as const;
/**
 * Access Control Services Extended Capability (ID 0x000d), PCIe Base 6.0 section 7.7.8 (7.7.11
 * in later numbering). Capability bit 7 (ACS Enhanced Capability) and the Control bits it gives
 * meaning to (7..12) came with the ACS Enhanced Capability ECN; without it they are RsvdP.
 */
export const ACS = {
  CAP: {
    offset: 0x04,
    width: 2,
    fields: {
      ...ACS_FIELDS,
      /** ACS Enhanced Capability. */
      ENHANCED: { mask: 0x0080 },
      /** Egress Control Vector Size: applicable bits of the vector, 00h meaning 256. */
      ECV_SIZE: { mask: 0xff00 },
    },
  },
  CTRL: {
    offset: 0x06,
    width: 2,
    fields: {
      ...ACS_FIELDS,
      /** ACS I/O Request Blocking Enable. */
      IO_REQ_BLOCK: { mask: 0x0080 },
      /** ACS DSP Memory Target Access Control. */
      DSP_MEM_TARGET: { mask: 0x0300, values: MEM_TARGET_VALUES },
      /** ACS USP Memory Target Access Control. */
      USP_MEM_TARGET: { mask: 0x0c00, values: MEM_TARGET_VALUES },
      /** ACS Unclaimed Request Redirect Control. */
      UNCLAIMED_REDIRECT: { mask: 0x1000 },
    },
  },
  /** Egress Control Vector: DWORDs from here, as many as the size needs (only with P2P Egress Control). */
  EGRESS_VECTOR: 0x08,
} as const;

/** Capability IDs used by name elsewhere (full name tables live in capability-ids.ts). */
export const CAP_ID = { PM: 0x01, MSI: 0x05, VNDR: 0x09, EXP: 0x10, MSIX: 0x11 } as const;
export const EXT_CAP_ID = { ERR: 0x0001, ACS: 0x000d, ATS: 0x000f, TPH: 0x0017 } as const;

/** MSI Capability (ID 0x05), PCI Local Bus 3.0 section 6.8.1.3 (Linux PCI_MSI_FLAGS_*). */
export const MSI = {
  FLAGS: {
    offset: 0x02,
    width: 2,
    fields: {
      ENABLE: { mask: 0x0001 },
      /** Multiple Message Capable: log2 of the vectors requested. */
      QMASK: { mask: 0x000e },
      /** Multiple Message Enable: log2 of the vectors allocated. */
      QSIZE: { mask: 0x0070 },
      ADDR_64: { mask: 0x0080 },
      MASKBIT: { mask: 0x0100 },
    },
  },
} as const satisfies Record<string, RegisterDef>;
