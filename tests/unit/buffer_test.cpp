// placeholder while configuring
