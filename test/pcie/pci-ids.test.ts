import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import {
  className,
  parsePciIds,
  progIfName,
  subsystemName,
  vendorDeviceName,
} from "../../src/pcie/pci-ids.js";

const DB = [
  "# comment",
  "8086  Intel Corporation",
  "\t0b25  Data Streaming Accelerator",
  "\t\t8086 0001  DSA card",
  "\t1234  Some device ",
  "17aa  Lenovo",
  "1af4  Red Hat, Inc.",
  "\t1045  Virtio 1.0 memory balloon",
  "S 17aa",
  "\t2217  Generic Lenovo subsystem",
  "X ff  unknown block",
  "\tfoo  skipped",
  "C 08  Generic system peripheral",
  "\t80  System peripheral",
  "C 01  Mass storage controller",
  "\t01  IDE interface",
  "\t\t8a  ISA Compatibility mode controller, supports both channels switched to PCI native mode, supports bus mastering",
  "C ff  Unassigned class",
  "",
].join("\n");

describe("parsePciIds", () => {
  const ids = parsePciIds(DB, "pci.ids");
  it("reads vendors, devices, subsystems, classes and prog-ifs", () => {
    expect(ids.vendor(0x8086)).toBe("Intel Corporation");
    expect(ids.device(0x8086, 0x0b25)).toBe("Data Streaming Accelerator");
    expect(ids.device(0x8086, 0x1234)).toBe("Some device"); // one trailing blank stripped
    expect(ids.subsystem(0x8086, 0x0b25, 0x8086, 0x0001)).toBe("DSA card");
    expect(ids.genericSubsystem(0x17aa, 0x2217)).toBe("Generic Lenovo subsystem");
    expect(ids.subclass(0x08, 0x80)).toBe("System peripheral");
    expect(ids.baseClass(0xff)).toBe("Unassigned class");
    expect(ids.progIf(0x01, 0x01, 0x8a)).toMatch(/^ISA Compatibility/);
  });

  it.each([
    ["bad vendor line", "80x6  Foo\n", "f:1", "Parse error"],
    ["device before vendor", "\t1234  Foo\n", "f:1", "Parse error"],
    ["duplicate", "8086  A\n8086  B\n", "f:2", "Duplicate entry"],
    ["empty name", "8086  \n", "f:1", "Parse error"],
    ["generic block for an unknown vendor", "S 1111\n", "f:1", "Vendor does not exist"],
    ["too deep", "8086  A\n\t1234  B\n\t\t1111 2222  C\n\t\t\t33  D\n", "f:4", "Parse error"],
  ])("rejects %s at FILE:LINE", (_n, text, path, message) => {
    try {
      parsePciIds(text, "f");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues[0]).toMatchObject({ path, message });
    }
  });
});

describe("names as lspci prints them", () => {
  const ids = parsePciIds(DB, "pci.ids");
  it("vendor and device", () => {
    expect(vendorDeviceName(ids, 0x8086, 0x0b25)).toBe("Intel Corporation Data Streaming Accelerator");
    expect(vendorDeviceName(ids, 0x8086, 0x0b26)).toBe("Intel Corporation Device 0b26");
    expect(vendorDeviceName(ids, 0x1111, 0x2222)).toBe("Device 1111:2222");
    expect(vendorDeviceName(undefined, 0x8086, 0x0b25)).toBe("Device 8086:0b25");
  });
  it("subsystems: per device, generic, then the device's own name", () => {
    expect(subsystemName(ids, 0x8086, 0x0b25, 0x8086, 0x0001)).toBe("Intel Corporation DSA card");
    expect(subsystemName(ids, 0x8086, 0x0b25, 0x17aa, 0x2217)).toBe("Lenovo Generic Lenovo subsystem");
    expect(subsystemName(ids, 0x8086, 0x0b25, 0x17aa, 0x2238)).toBe("Lenovo Device 2238");
    expect(subsystemName(ids, 0x1af4, 0x1045, 0x1af4, 0x1045)).toBe(
      "Red Hat, Inc. Virtio 1.0 memory balloon",
    );
    expect(subsystemName(undefined, 0x8086, 0x0b25, 0x8086, 0x0000)).toBe("Device 8086:0000");
  });
  it("classes: subclass, else `base [ccss]`, else `Class ccss`", () => {
    expect(className(ids, 0x0880)).toBe("System peripheral");
    expect(className(ids, 0xffff)).toBe("Unassigned class [ffff]");
    expect(className(ids, 0x1234)).toBe("Class 1234");
    expect(className(undefined, 0x0880)).toBe("Class 0880");
  });
  it("prog-if names, with lspci's IDE fallback", () => {
    expect(progIfName(ids, 0x0101, 0x8a)).toMatch(/^ISA Compatibility/);
    expect(progIfName(ids, 0x0101, 0x85)).toBe("Master SecO PriO");
    expect(progIfName(undefined, 0x0101, 0x00)).toBe("");
    expect(progIfName(ids, 0x0880, 0x01)).toBeUndefined();
  });
  it("truncates names longer than lspci's buffer with ...", () => {
    const long = parsePciIds(`8086  ${"A".repeat(150)}\n`, "f");
    const name = vendorDeviceName(long, 0x8086, 0x1);
    expect(name).toHaveLength(127);
    expect(name.endsWith("A...")).toBe(true);
  });
});
