// The hangar_h5zstd HDF5 plugin: exports filter 32015 (zstd) so that any HDF5 program, e.g.
// h5py with HDF5_PLUGIN_PATH=<prefix>/lib/hdf5/plugins, can read hangar's hdf5 pack files.
// HDF5 symbols (H5allocate_memory, ...) resolve from the host process that loads the plugin.
#include <H5PLextern.h>

#include "hdf5_zstd_filter.h"

extern "C" {

H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }

const void* H5PLget_plugin_info(void) { return hangar::storage::h5::zstd_filter_class(); }

}  // extern "C"
