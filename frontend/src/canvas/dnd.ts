// The drag-and-drop format of a palette entry: "<module key>@<version>".
export const MODULE_DRAG_TYPE = "application/x-graphwright-module";
