// Only here for pkg-config: Imath.pc gives the include path that OpenEXR's C++ headers need to
// the CEXRCxx target, which depends on this one.
#include <Imath/ImathConfig.h>
