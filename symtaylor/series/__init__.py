"""The Taylor series engine (work in progress: moving out of symtaylor.taylor)."""
