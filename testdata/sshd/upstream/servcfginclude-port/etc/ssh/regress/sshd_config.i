Include /etc/ssh/regress/sshd_config.i.2
Port 7722
