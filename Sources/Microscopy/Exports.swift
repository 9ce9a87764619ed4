@_exported import ImMetaIOCore
@_exported import NDArrayModule
