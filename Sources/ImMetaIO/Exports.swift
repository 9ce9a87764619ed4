@_exported import ImMetaIOCore
@_exported import NDArrayModule
@_exported import Zarr
