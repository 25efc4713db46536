//! Read-only queries for browsing a case page by page (the web workbench):
//! they never write.
