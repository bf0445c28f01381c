from edoc.errors import EdocError
