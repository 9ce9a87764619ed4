// jxrlib (JPEG XR) from the system: Debian/Ubuntu `libjxr-dev`, Homebrew `jxrlib`.
//
// Its headers include each other with angle brackets (`<JXRMeta.h>`), so they need
// `-I<prefix>/include/jxrlib`, and they need `__ANSI__` and `DISABLE_PERF_MEASUREMENT` defined.
// libjxr's pkg-config file supplies both, but SwiftPM drops `-D` flags from pkg-config with a
// warning, so this target has no pkgConfig: the one C target that includes this header
// (CJXRShims) adds `forward/` to its header search path, whose one-line headers forward each
// angle-bracket include to `<jxrlib/…>`, and defines the two macros below.
#ifndef IMMETAIO_CJXR_SHIM_H
#define IMMETAIO_CJXR_SHIM_H

#ifndef __ANSI__
#define __ANSI__ 1
#endif
#ifndef DISABLE_PERF_MEASUREMENT
#define DISABLE_PERF_MEASUREMENT 1
#endif

#include <jxrlib/JXRGlue.h>

#endif
