//! Generates the protobuf contract's Rust code. `protoc` comes from a vendored crate so the build
//! needs nothing installed beyond Cargo.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=../../proto/thermite.proto");
    prost_build::Config::new().compile_protos(&["../../proto/thermite.proto"], &["../../proto"])?;
    Ok(())
}
