/**
 * Linux errno values (x86-64, include/uapi/asm-generic/errno-base.h and errno.h). Kernel functions
 * in the model return 0 or a NEGATIVE errno, exactly like C.
 */

export const EPERM = 1;
export const ENOENT = 2;
/** An interruptible wait cut short by a signal. */
export const EINTR = 4;
export const ENXIO = 6;
export const EBADF = 9;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const ENODEV = 19;
/** Returned by reset methods a device lacks (pcie_reset_flr() without FLR capability). */
export const ENOTTY = 25;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EOVERFLOW = 75;
/** The uverbs ioctl dispatcher's answer when a method has no slot (uapi_get_method()). */
export const EPROTONOSUPPORT = 93;
export const EOPNOTSUPP = 95;

/** Symbolic name of each positive errno the model uses. */
export const ERRNO_NAME: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EINTR]: "EINTR",
  [ENXIO]: "ENXIO",
  [EBADF]: "EBADF",
  [ENOMEM]: "ENOMEM",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [ENODEV]: "ENODEV",
  [ENOTTY]: "ENOTTY",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [ERANGE]: "ERANGE",
  [EOVERFLOW]: "EOVERFLOW",
  [EPROTONOSUPPORT]: "EPROTONOSUPPORT",
  [EOPNOTSUPP]: "EOPNOTSUPP",
};

/**
 * A return value as the kernel log would name it: "-EINVAL" for -22, "0" for 0, the number itself
 * for positive values (e.g. an fd) and for unknown errnos ("-123").
 */
export function errnoName(ret: number): string {
  if (ret >= 0) return String(ret);
  const name = ERRNO_NAME[-ret];
  return name === undefined ? String(ret) : `-${name}`;
}

/** IS_ERR_VALUE() for the model: a negative return is an error. */
export function isErr(ret: number): boolean {
  return ret < 0;
}
