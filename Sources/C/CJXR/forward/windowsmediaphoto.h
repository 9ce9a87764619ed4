// Forwards jxrlib's angle-bracket include to the installed header (see ../shim.h).
#include <jxrlib/windowsmediaphoto.h>
