# Devices of the qemu-system-x86_64 that runs the S4 card: the q35 machine
# and the card (configure --with-devices-x86_64=s4).
CONFIG_Q35=y
CONFIG_S4=y
