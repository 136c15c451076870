// Ctrl-C handling for long commands: the first SIGINT (or SIGTERM) sets a flag that work loops
// poll between units of work, so they can store what is done and mark the run incomplete; a
// second one ends the process at once.
#pragma once

namespace lfm {

// Installs the handler (idempotent).
void InstallInterruptHandler();
// Whether an interrupt arrived since the handler was installed.
bool Interrupted();

}  // namespace lfm
