from legalsearch.cli import main

main()
