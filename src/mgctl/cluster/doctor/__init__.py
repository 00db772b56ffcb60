"""`mgctl doctor`: is the platform healthy? One module per resource family; each turns the
objects it reads into rows with a status and, when failing, what to do next."""
