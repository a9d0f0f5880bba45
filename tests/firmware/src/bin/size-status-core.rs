//! A size image: status-core decodes the five documented shapes and copies the fields out. The
//! differences between the images' `.text` and `.rodata` are what the decoders cost.
#![no_std]
#![no_main]

use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let digest = status_firmware::run_five(status_firmware::status_core_job);
    status_firmware::exit(core::hint::black_box(digest) != 0)
}
