// USDT: a note's descriptor (symbols/usdt_notes.hpp: three addresses and
// three NUL-terminated strings) and the argument recipe it carries
// (probes/usdt_args.hpp: "-4@%eax 8@-16(%rbp)"). The input is both: the
// descriptor as bytes, and the recipe as text.
#include "fuzz_input.hpp"
#include "probes/usdt_args.hpp"
#include "symbols/usdt_notes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace probelog;
    auto note = symbols::parse_usdt_note_desc(fuzz::bytes(data, size));
    if (note.ok()) (void)probes::parse_usdt_args(note->args);
    auto args = probes::parse_usdt_args(fuzz::text(data, size));
    if (args.ok()) {
        for (const probes::UsdtArg& arg : *args)
            (void)probes::usdt_arg_type(arg);
    }
    return 0;
}
