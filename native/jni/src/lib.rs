//! The JNI boundary: the only code that touches `jni`. Every entry point catches panics and turns
//! every error into a `dev.thermite.ThermiteNativeException`, so nothing unwinds into the JVM.

use std::panic::{catch_unwind, AssertUnwindSafe};

use arrow::array::{Array, StructArray};
use arrow::ffi::{to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use jni::objects::{JByteArray, JClass, JLongArray, JObject, JObjectArray, JString, JValue};
use jni::sys::{jbyteArray, jint, jintArray, jlong, jstring};
use prost::Message;
use jni::JNIEnv;
use thermite_core::error::{ErrorKind, ThermiteError};
use thermite_core::execution::{SparkServices, TaskExecution};
use thermite_core::expr::SessionZone;

mod allocator;
mod calendar;
mod hadoop_files;
mod memory;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::execution::memory_pool::{MemoryPool, TrackConsumersPool};

use hadoop_files::HadoopFiles;
use memory::SparkMemoryPool;
use object_store::ObjectStore;

#[global_allocator]
static GLOBAL: allocator::CountingAllocator = allocator::CountingAllocator;

const EXCEPTION_CLASS: &str = "dev/thermite/ThermiteNativeException";

/// Runs `f`, turning an error or a panic into a pending Java exception and `fallback`.
fn guarded<T>(env: &mut JNIEnv, fallback: T, f: impl FnOnce(&mut JNIEnv) -> Result<T, ThermiteError>) -> T {
    match catch_panic(|| f(env)) {
        Ok(value) => value,
        Err(error) => {
            throw(env, &error);
            fallback
        }
    }
}

/// Runs `f`; a panic becomes an error of kind `Panic` carrying the panic's message.
fn catch_panic<T>(f: impl FnOnce() -> Result<T, ThermiteError>) -> Result<T, ThermiteError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(ThermiteError::new(ErrorKind::Panic, format!("native code panicked: {message}")))
    })
}

fn throw(env: &mut JNIEnv, error: &ThermiteError) {
    if env.exception_check().unwrap_or(false) {
        return;
    }
    let result = (|| -> jni::errors::Result<()> {
        let kind = JObject::from(env.new_string(error.kind.as_str())?);
        let operator = optional_string(env, error.operator.as_deref())?;
        let file = optional_string(env, error.file.as_deref())?;
        let message = JObject::from(env.new_string(&error.message)?);
        let exception = env.new_object(
            EXCEPTION_CLASS,
            "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Z)V",
            &[
                JValue::Object(&kind),
                JValue::Object(&operator),
                JValue::Object(&file),
                JValue::Object(&message),
                JValue::Bool(error.read_failure.into()),
            ],
        )?;
        env.throw(jni::objects::JThrowable::from(exception))
    })();
    if result.is_err() && !env.exception_check().unwrap_or(false) {
        let _ = env.throw_new("java/lang/RuntimeException", error.to_string());
    }
}

fn optional_string<'a>(env: &mut JNIEnv<'a>, s: Option<&str>) -> jni::errors::Result<JObject<'a>> {
    match s {
        Some(s) => Ok(JObject::from(env.new_string(s)?)),
        None => Ok(JObject::null()),
    }
}

fn jni_error(e: jni::errors::Error) -> ThermiteError {
    ThermiteError::plan(format!("JNI: {e}"))
}

/// The library's version; calling it proves the library loaded and links.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_version(mut env: JNIEnv, _class: JClass) -> jstring {
    guarded(&mut env, std::ptr::null_mut(), |env| {
        Ok(env.new_string(env!("CARGO_PKG_VERSION")).map_err(jni_error)?.into_raw())
    })
}

/// The offsets, in seconds, of the time zone `region` at each of `epoch_seconds`, as native
/// expressions apply them; throws when the native tz database does not know the region.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_zoneOffsets<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    region: JString<'a>,
    epoch_seconds: JLongArray<'a>,
) -> jintArray {
    guarded(&mut env, std::ptr::null_mut(), |env| {
        let region: String = env.get_string(&region).map_err(jni_error)?.into();
        let count = env.get_array_length(&epoch_seconds).map_err(jni_error)? as usize;
        let mut seconds = vec![0i64; count];
        env.get_long_array_region(&epoch_seconds, 0, &mut seconds).map_err(jni_error)?;
        let offsets = SessionZone::region(&region)?.offsets(&seconds);
        let out = env.new_int_array(count as i32).map_err(jni_error)?;
        env.set_int_array_region(&out, 0, &offsets).map_err(jni_error)?;
        Ok(out.into_raw())
    })
}

/// Decodes the plan and this task's inputs (file splits, and the addresses of Arrow C streams
/// exported by the JVM, and the task's memory consumer) and starts execution; returns a handle for `nextBatch` and `close`.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_createExecution(
    mut env: JNIEnv,
    _class: JClass,
    plan: JByteArray,
    task_input: JByteArray,
    input_streams: JLongArray,
    memory_consumer: JObject,
    hadoop_files: JObjectArray,
) -> jlong {
    guarded(&mut env, 0, |env| {
        let plan = env.convert_byte_array(&plan).map_err(jni_error)?;
        let task_input = env.convert_byte_array(&task_input).map_err(jni_error)?;
        let count = env.get_array_length(&input_streams).map_err(jni_error)? as usize;
        let mut addresses = vec![0i64; count];
        env.get_long_array_region(&input_streams, 0, &mut addresses).map_err(jni_error)?;
        let streams = addresses
            .into_iter()
            .map(|address| {
                // SAFETY: the JVM exported a live ArrowArrayStream at this address for this task;
                // `from_raw` moves it out, leaving an empty (released) struct behind.
                unsafe { ArrowArrayStreamReader::from_raw(address as *mut FFI_ArrowArrayStream) }
                    .map_err(|e| ThermiteError::plan(format!("cannot import an input stream: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let pool = SparkMemoryPool::new(
            env.get_java_vm().map_err(jni_error)?,
            env.new_global_ref(&memory_consumer).map_err(jni_error)?,
        );
        // Tracking names the largest consumers when memory runs out.
        let tracked = TrackConsumersPool::new(pool.clone(), NonZeroUsize::new(5).expect("non-zero"));
        let calendar_class = env.find_class(calendar::CLASS).map_err(jni_error)?;
        let calendar = calendar::JvmCalendar::new(
            env.get_java_vm().map_err(jni_error)?,
            env.new_global_ref(calendar_class).map_err(jni_error)?,
        );
        let file_systems = file_systems(env, &hadoop_files)?;
        let spark = SparkServices {
            memory_pool: Some(Arc::new(tracked)),
            calendar: Some(Arc::new(calendar)),
            file_systems,
        };
        let execution = TaskExecution::new(&plan, &task_input, streams, spark).map_err(|e| rethrow_java_failure(env, &pool, e))?;
        let killed = pool.clone();
        let execution = execution.with_interrupt_check(move || killed.task_interrupted());
        Ok(Box::into_raw(Box::new(Handle { execution, pool })) as jlong)
    })
}

/// Per scan, the task's `HadoopFiles` as an object store, or `None` for a local scan.
fn file_systems(env: &mut JNIEnv, files: &JObjectArray) -> Result<Vec<Option<Arc<dyn ObjectStore>>>, ThermiteError> {
    let count = env.get_array_length(files).map_err(jni_error)?;
    (0..count)
        .map(|i| {
            let entry = env.get_object_array_element(files, i).map_err(jni_error)?;
            if entry.is_null() {
                return Ok(None);
            }
            let store = HadoopFiles::new(env.get_java_vm().map_err(jni_error)?, env.new_global_ref(&entry).map_err(jni_error)?);
            Ok(Some(Arc::new(store) as Arc<dyn ObjectStore>))
        })
        .collect()
}

/// A running execution and its memory pool, whose Java exceptions surface as themselves.
struct Handle {
    execution: TaskExecution,
    pool: SparkMemoryPool,
}

/// Throws the Java exception a call to Spark raised during the failed work, if any: Spark then
/// sees its own failure (a killed task, an interrupt) rather than a native error.
fn rethrow_java_failure(env: &mut JNIEnv, pool: &SparkMemoryPool, error: ThermiteError) -> ThermiteError {
    if let Some(throwable) = pool.java_failure() {
        let _ = env.throw(<&jni::objects::JThrowable>::from(throwable.as_obj()));
    }
    error
}

/// The bytes of native memory allocated and not yet freed, by every task of this process.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_allocatedBytes(_env: JNIEnv, _class: JClass) -> jlong {
    allocator::live_bytes()
}

/// Exports the next batch as a struct array into the C Data Interface structs at the given
/// addresses; returns its row count, or -1 at the end. The JVM owns the exported batch and
/// releases it through the struct's release callback.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_nextBatch(
    mut env: JNIEnv,
    _class: JClass,
    handle: jlong,
    array_address: jlong,
    schema_address: jlong,
) -> jint {
    guarded(&mut env, -1, |env| {
        let handle = execution(handle)?;
        // A Java exception an operator got past (by spilling, say) still fails the task.
        let next = handle
            .execution
            .next_batch()
            .and_then(|batch| match handle.pool.java_failure() {
                Some(_) => Err(ThermiteError::new(ErrorKind::Execution, "a call to Spark's memory manager failed")),
                None => Ok(batch),
            })
            .map_err(|e| rethrow_java_failure(env, &handle.pool, e));
        let Some(batch) = next? else {
            return Ok(-1);
        };
        let rows = batch.num_rows();
        let batch = thermite_core::export::for_jvm(batch)
            .map_err(|e| ThermiteError::plan(format!("cannot export a batch: {e}")))?;
        let data = StructArray::from(batch).into_data();
        let (array, schema) = to_ffi(&data).map_err(|e| ThermiteError::plan(format!("cannot export a batch: {e}")))?;
        // SAFETY: the JVM passes the addresses of freshly allocated, empty ArrowArray/ArrowSchema
        // structs that it owns; writing moves ownership of the batch to it.
        unsafe {
            std::ptr::write(array_address as *mut FFI_ArrowArray, array);
            std::ptr::write(schema_address as *mut FFI_ArrowSchema, schema);
        }
        Ok(rows as jint)
    })
}

/// The execution's metrics so far: a serialized `PlanMetrics`.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_metrics<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
) -> jbyteArray {
    guarded(&mut env, std::ptr::null_mut(), |env| {
        let bytes = execution(handle)?.execution.metrics().encode_to_vec();
        Ok(env.byte_array_from_slice(&bytes).map_err(jni_error)?.into_raw())
    })
}

/// Ends an execution and frees everything it holds. Safe to call once per handle.
#[no_mangle]
pub extern "system" fn Java_dev_thermite_jni_NativeLib_close(mut env: JNIEnv, _class: JClass, handle: jlong) {
    guarded(&mut env, (), |_env| {
        if handle != 0 {
            // SAFETY: the handle came from `createExecution` and the JVM closes it exactly once.
            let Handle { execution, pool } = *unsafe { Box::from_raw(handle as *mut Handle) };
            drop(execution);
            // Work the execution spawned on the runtime's worker (a large sort's) is aborted by
            // the drop, but gives its memory back only when that worker drops it: wait for it,
            // briefly, so Spark sees a killed task's memory returned.
            let deadline = Instant::now() + Duration::from_secs(2);
            while pool.reserved() > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        Ok(())
    })
}

fn execution<'a>(handle: jlong) -> Result<&'a mut Handle, ThermiteError> {
    if handle == 0 {
        return Err(ThermiteError::plan("execution used after close"));
    }
    // SAFETY: a live handle from `createExecution`; Spark drives one task from one thread.
    Ok(unsafe { &mut *(handle as *mut Handle) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let err = catch_panic::<()>(|| panic!("index {} out of bounds", 7)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Panic);
        assert!(err.message.contains("index 7 out of bounds"), "{}", err.message);
        let err = catch_panic::<()>(|| std::panic::panic_any(42)).unwrap_err();
        assert!(err.message.contains("unknown panic"));
    }

    #[test]
    fn errors_and_values_pass_through() {
        assert_eq!(catch_panic(|| Ok(5)).unwrap(), 5);
        let err = catch_panic::<()>(|| Err(ThermiteError::plan("bad plan"))).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Plan);
    }
}
